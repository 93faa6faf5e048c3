"""curator uses pydicom through its public API only, and attaches nothing to its datasets (issue 19)."""
from __future__ import annotations

import re
from pathlib import Path

CURATOR = Path(__file__).resolve().parent.parent / "curator"

# Private pydicom names: a dataset's element dict and read character set, private modules,
# tuples built around RawDataElement's constructor; curator attributes set on a dataset.
FORBIDDEN = {
    "Dataset._dict": re.compile(r"\._dict\b|\"_dict\""),
    "Dataset._read_charset": re.compile(r"_read_charset"),
    "a private pydicom module": re.compile(r"(?:from|import)\s+pydicom(?:\.\w+)*\._\w+"),
    "tuple.__new__": re.compile(r"tuple\.__new__"),
    "an attribute attached to a dataset": re.compile(r"\bds\._curator\w*\s*="),
}


def test_no_private_pydicom_api_and_no_attached_attributes():
    found = []
    for path in sorted(CURATOR.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for what, pattern in FORBIDDEN.items():
                if pattern.search(line):
                    found.append(f"{path.relative_to(CURATOR.parent)}:{number}: {what}")
    assert not found, "\n".join(found)


def test_the_check_finds_what_it_forbids():
    samples = ["raw = ds._dict.get(tag)", "getattr(ds, \"_read_charset\", None)",
               "from pydicom.sr._concepts_dict import concepts", "_NEW = tuple.__new__",
               "ds._curator_raw = (buf, 0)"]
    for sample in samples:
        assert any(p.search(sample) for p in FORBIDDEN.values()), sample
