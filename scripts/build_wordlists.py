"""Rebuild the word lists of ``ontologies/wordlists/`` (run by hand, not at run time).

Inputs (installed with their ordinary clients, never downloaded by curator):

* ``pip install philter-lite`` (BSD-3-Clause): its ``filters/set.toml`` holds ``nonames``
  (an English general and medical vocabulary with person names taken out),
  ``firstnames`` and ``lastnames``;
* ``apt-get install wspanish`` (Debian; word list in the public domain):
  ``/usr/share/dict/spanish``;
* the DICOM data dictionary and SR code meanings of the installed pydicom (MIT).

Every list is folded (``curator.common.fold``), one word a line, sorted, so that the files diff
cleanly.  Spanish words that are first names (``philter-lite`` list) are left out.
"""
from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from curator.common.fold import fold  # noqa: E402

OUT = ROOT / "ontologies" / "wordlists"
WORD = re.compile(r"[a-z0-9]+")


def _write(name: str, words: set[str]) -> None:
    words = {w for w in words if w and WORD.fullmatch(w)}
    (OUT / name).write_text("\n".join(sorted(words)) + "\n", encoding="utf-8")
    print(f"{name}: {len(words)} words")


def _philter() -> dict[str, list[str]]:
    import philter_lite

    path = Path(philter_lite.__file__).parent / "filters" / "set.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _dicom_words() -> set[str]:
    from pydicom._dicom_dict import DicomDictionary
    from pydicom.sr import _concepts_dict

    words: set[str] = set()
    for entry in DicomDictionary.values():
        words.update(WORD.findall(fold(entry[2])))  # attribute names ("Series Description")
    for scheme in _concepts_dict.concepts.values():
        for codes in scheme.values():
            for meaning, _cids in codes.values():
                words.update(WORD.findall(fold(meaning)))
    return {w for w in words if not w.isdigit()}


def main() -> None:
    data = _philter()
    first = {fold(w) for w in data["firstnames"]}
    _write("en-nonames.txt", {fold(w) for w in data["nonames"]})
    _write("firstnames.txt", first)
    _write("lastnames.txt", {fold(w) for w in data["lastnames"]})
    spanish = Path("/usr/share/dict/spanish").read_text(encoding="utf-8").split()
    _write("es.txt", {fold(w) for w in spanish if w[:1].islower()} - first)
    _write("dicom.txt", _dicom_words() - first)


if __name__ == "__main__":
    main()
