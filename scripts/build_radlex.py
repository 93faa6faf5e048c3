#!/usr/bin/env python3
"""Build the RadLex subset the project ships in ``ontologies/radlex/``.

Run from the repository root, with the RSNA reference files beside the project::

    python scripts/build_radlex.py [--source ../shared/reference/radlex]

Inputs (RSNA RadLex and Core RadLex Playbook, not shipped in full):
  ``radlex_terms.csv``        name,RID,parentRID (RadLex is-a tree, about 45,000 terms)
  ``playbook_core_2_3.csv``   Core RadLex Playbook 2.3 (one row per RPID)

Outputs (the only RadLex material curator reads at run time):
  ``ontologies/radlex/terms.csv``          rid,name,parent for every RID the project uses
                                           (the description lexicon in mappings/descriptions/,
                                           the Core Playbook attribute slots) and their ancestors
  ``ontologies/radlex/playbook_core.csv``  rpid,short_name,long_name and one column per
                                           attribute slot holding its RID (empty when unused)
  ``ontologies/radlex/VERSION``            RadLex / Playbook versions and input checksums

The script is deterministic: the same inputs give byte-identical outputs.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import io
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "ontologies" / "radlex"
LEXICON = ROOT / "mappings" / "descriptions"

RADLEX_VERSION = "RadLex 3.14 (2017 release, is-a tree with preferred names)"
PLAYBOOK_VERSION = "Core RadLex Playbook 2.3"

# The 26 attribute slots of the Playbook "RIDS" column, in order.
SLOTS = (
    "MODALITY", "PLAYBOOK_TYPE", "POPULATION",
    "BODY_REGION", "BODY_REGION_2", "BODY_REGION_3", "BODY_REGION_4", "BODY_REGION_5",
    "MODALITY_MODIFIER", "MODALITY_MODIFIER_2", "MODALITY_MODIFIER_3",
    "PROCEDURE_MODIFIER", "PROCEDURE_MODIFIER_2", "ANATOMIC_FOCUS", "ANATOMIC_FOCUS_2",
    "LATERALITY", "REASON_FOR_EXAM", "REASON_FOR_EXAM_2", "REASON_FOR_EXAM_3", "TECHNIQUE",
    "PHARMACEUTICAL", "PHARMACEUTICAL_2", "VIEW", "VIEW_2", "VIEW_3", "VIEW_4",
)
_RID = re.compile(r"\bRID\d+\b")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def lexicon_rids() -> set[str]:
    """Every RID written in the description lexicon (YAML files under mappings/descriptions)."""
    rids: set[str] = set()
    for path in sorted(LEXICON.glob("*.yaml")):
        rids.update(_RID.findall(path.read_text(encoding="utf-8")))
    return rids


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=ROOT.parent / "shared" / "reference" / "radlex")
    args = parser.parse_args(argv)
    terms_path = args.source / "radlex_terms.csv"
    core_path = args.source / "playbook_core_2_3.csv"
    for path in (terms_path, core_path):
        if not path.is_file():
            print(f"error: missing input {path.name} in the source folder", file=sys.stderr)
            return 2

    terms: dict[str, tuple[str, str]] = {}
    with terms_path.open(encoding="utf-8", newline="") as fh:
        # The file has no header row: name,RID,parentRID (names may be quoted).
        for row in csv.reader(fh):
            if len(row) < 3 or not row[1].strip().startswith("RID"):
                continue
            terms[row[1].strip()] = (row[0].strip(), row[2].strip())

    core_rows = []
    wanted = lexicon_rids()
    with core_path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            rids = (row["RIDS"] or "").split("|")[: len(SLOTS)]
            rids += ["0"] * (len(SLOTS) - len(rids))
            slots = {name: (rid.strip() if rid.strip() not in ("", "0") else "") for name, rid in zip(SLOTS, rids, strict=True)}
            wanted.update(v for v in slots.values() if v)
            core_rows.append((row["RPID"].strip(), row["SHORT_NAME"].strip(), " ".join(row["LONG_NAME"].split()), slots))

    missing = sorted(r for r in lexicon_rids() if r not in terms)
    missing_playbook = sorted(r for r in wanted if r not in terms and r not in missing)
    # Ancestors, so that the shipped subset is a closed is-a tree.
    closure: set[str] = set()
    for rid in wanted:
        while rid in terms and rid not in closure:
            closure.add(rid)
            rid = terms[rid][1]

    OUT.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["rid", "name", "parent"])
    for rid in sorted(closure, key=lambda r: int(r[3:])):
        name, parent = terms[rid]
        writer.writerow([rid, name, parent if parent in closure else ""])
    (OUT / "terms.csv").write_text(buf.getvalue(), encoding="utf-8")

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["rpid", "short_name", "long_name", *[s.lower() for s in SLOTS]])
    for rpid, short, long_name, slots in sorted(core_rows, key=lambda r: int(r[0][4:])):
        writer.writerow([rpid, short, long_name, *[slots[s] for s in SLOTS]])
    (OUT / "playbook_core.csv").write_text(buf.getvalue(), encoding="utf-8")

    (OUT / "VERSION").write_text(
        f"radlex: {RADLEX_VERSION}\n"
        f"playbook: {PLAYBOOK_VERSION}\n"
        f"terms_source_sha256: {_sha256(terms_path)}\n"
        f"playbook_source_sha256: {_sha256(core_path)}\n"
        f"terms_shipped: {len(closure)}\n"
        f"procedures_shipped: {len(core_rows)}\n",
        encoding="utf-8",
    )
    if missing_playbook:
        print("note: Core Playbook RIDs absent from this RadLex release (kept in playbook_core.csv): "
              + ", ".join(missing_playbook), file=sys.stderr)
    if missing:
        print("error: lexicon: RIDs not in the RadLex source: " + ", ".join(missing), file=sys.stderr)
    print(f"wrote {len(closure)} terms and {len(core_rows)} Core Playbook procedures to ontologies/radlex/")
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
