"""Run CKAN's DCAT harvester parser over a catalogue file; print the dataset dicts as JSON.

Runs in the CKAN virtualenv made by .ci/run (``.ci/ckan-venv``), not in curator's
environment: ``python parse_catalog.py CATALOG FORMAT PROFILE[,PROFILE...]``.
ckanext-dcat's RDFParser needs neither a CKAN config file nor a database: the profiles are
loaded from their entry points and the parse works on the rdflib graph alone.
"""
import json
import sys

from ckanext.dcat.processors import RDFParser


def main() -> None:
    path, rdf_format, profiles = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
    parser = RDFParser(profiles=profiles)
    with open(path, "rb") as handle:
        parser.parse(handle.read(), _format=rdf_format)
    datasets = list(parser.datasets())
    json.dump(datasets, sys.stdout, indent=1, sort_keys=True, default=str)


if __name__ == "__main__":
    main()
