"""Packaging glue: ship the top-level ``mappings/`` and ``ontologies/`` folders.

The rules and vocabularies live as data at the top of the repository (where curators
edit them); in an installed wheel they become the ``curator._mappings`` and
``curator._ontologies`` resource packages.  ``curator.resources`` finds them either way.
The Jinja2 templates of the HTML audit report ship beside the code (``curator/report/templates/``).
"""
from setuptools import find_packages, setup

DATA_PACKAGES = {"curator._mappings": "mappings", "curator._ontologies": "ontologies"}

setup(
    packages=find_packages(include=["curator", "curator.*"]) + list(DATA_PACKAGES),
    package_dir={"": ".", **DATA_PACKAGES},
    # the data folders, and the templates of the HTML report (curator/report/templates/)
    package_data={"curator.report": ["templates/*.j2", "templates/*.css"], **{name: ["**/*"] for name in DATA_PACKAGES}},
    include_package_data=False,
)
