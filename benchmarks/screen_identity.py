"""Check that the pixel screen gives the same verdict as before, image by image.

Records (``record``) or compares (``check``) what :func:`curator.deid.pixels.screen_bytes`
says (None, the text-like reason, or the not-screened reason) for every image of:

* the image sets of ``benchmarks/pixels.py`` (``own``, ``heldout``, ``blind``, ``blind2``,
  ``blind3``, ``blind4``; ``--count`` images each per seed, for each of ``--seeds``; blind3 and
  blind4 only when their fonts are installed);
* every file of pydicom's test data (``pydicom.data``) that reads as DICOM;
* ``--ct`` CT slices of the shape ``benchmarks/deid.py --vs-dcmanon`` times (512x512,
  16-bit, full headers);
* with ``--variants``, each uncompressed grey image of the sets also flipped both ways
  (its text in the opposite corner and band).

and reports the CPU time per image of the screen on each group::

    python benchmarks/screen_identity.py record /tmp/screen-before.json   # on the old code
    python benchmarks/screen_identity.py check /tmp/screen-before.json    # on the new code
    python benchmarks/screen_identity.py check /tmp/screen-before.json --header-pass  # ... and as deid screens

Exit code 0 when every verdict is the same, 1 with the differing images listed.
"""
from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def _encoded(dataset) -> bytes:
    import pydicom

    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, dataset, enforce_file_format=True)
    return buffer.getvalue()


def _flipped(dataset) -> bytes | None:
    """``dataset`` with its pixels flipped up-down and left-right (uncompressed grey only)."""
    import numpy as np

    if dataset.file_meta.TransferSyntaxUID.is_compressed or int(dataset.get("SamplesPerPixel", 1) or 1) != 1:
        return None
    try:
        pixels = dataset.pixel_array
    except Exception:  # noqa: BLE001 - not decodable: no variant
        return None
    copy = dataset.copy()
    copy.PixelData = np.ascontiguousarray(pixels[..., ::-1, ::-1]).tobytes()
    return _encoded(copy)


def _sets(count: int, seeds: list[int], variants: bool) -> Iterator[tuple[str, str, bytes]]:
    from pixel_blind import blind_cases
    from pixel_blind2 import blind2_cases
    from pixel_blind3 import blind3_cases, missing_fonts
    from pixel_blind4 import blind4_cases
    from pixel_blind4 import missing_fonts as blind4_missing_fonts
    from pixel_heldout import heldout_cases

    from curator.testing.synthetic_text import cases

    makers = [("own", cases), ("heldout", heldout_cases), ("blind", blind_cases), ("blind2", blind2_cases)]
    makers += [("blind3", blind3_cases)] if not missing_fonts() else []
    makers += [("blind4", blind4_cases)] if not blind4_missing_fonts() else []
    for seed in seeds:
        for group, maker in makers:
            for case in maker(count, seed):
                yield group, f"{group}/{seed}/{case.name}", _encoded(case.dataset)
                flipped = _flipped(case.dataset) if variants else None
                if flipped is not None:
                    yield f"{group}-flipped", f"{group}/{seed}/{case.name}/flipped", flipped


def _pydicom_files() -> Iterator[tuple[str, str, bytes]]:
    from pydicom.data import get_testdata_files

    for path in sorted(get_testdata_files("*")):
        if Path(path).is_file():
            yield "pydicom", f"pydicom/{Path(path).name}", Path(path).read_bytes()


def _ct(count: int) -> Iterator[tuple[str, str, bytes]]:
    from curator.testing import synthetic as syn

    with tempfile.TemporaryDirectory(prefix="curator-screen-") as tmp:
        made = 0
        series = 0
        while made < count:
            patient = syn.synthetic_patient(series // 2 + 1)
            study = syn.Study(site=syn.SITES[series % len(syn.SITES)], patient=patient, number=1, description="CT")
            n = min(25, count - made)
            for path in syn.write_ct_series(Path(tmp) / f"s{series}", n, study, series_number=1 + series % 2,
                                            rows=512, columns=512, seed=series):
                yield "ct", f"ct/{series}/{Path(path).name}", Path(path).read_bytes()
            made += n
            series += 1


def _header_pass_verdict(data: bytes) -> str | None:
    """The verdict as ``curator deid``'s header pass gets it: the screen given the header
    that the pass read to judge the item readable (``read_header_source``: the dataset, where
    its pixel data start, the bytes; ``curator.deid.run``), or ``"rejected"`` when that read
    fails (the pass then rejects the item and does not screen it)."""
    from curator.deid import pixels
    from curator.dicom.header import read_header_source

    try:
        header = read_header_source(io.BytesIO(data), len(data))
    except Exception:  # noqa: BLE001 - the header pass rejects it
        return "rejected"
    handed = None if header.source is None else (header.dataset, header.source.end, header.source)
    try:
        return pixels.screen_bytes(data, handed)
    except Exception as exc:  # noqa: BLE001 - recorded as by verdicts()
        return f"raised {type(exc).__name__}"


def verdicts(count: int, seeds: list[int], ct: int, variants: bool = False,
             header_pass: bool = False) -> tuple[dict[str, str | None], dict[str, list[float]]]:
    """The screen's verdict per image, and (images, CPU seconds) per group.  ``header_pass``:
    also each image's verdict as the header pass of ``curator deid`` gets it (``NAME (header
    pass)``; :func:`_header_pass_verdict`)."""
    import logging

    from curator.deid import pixels

    logging.getLogger("pydicom").setLevel(logging.CRITICAL)
    found: dict[str, str | None] = {}
    cost: dict[str, list[float]] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for group, name, data in (*_sets(count, seeds, variants), *_pydicom_files(), *_ct(ct)):
            start = time.process_time()
            try:
                verdict = pixels.screen_bytes(data)
            except Exception as exc:  # noqa: BLE001 - recorded: a change must not change it either
                verdict = f"raised {type(exc).__name__}"
            spent = time.process_time() - start
            found[name] = verdict
            if header_pass:
                found[f"{name} (header pass)"] = _header_pass_verdict(data)
            entry = cost.setdefault(group, [0, 0.0])
            entry[0] += 1
            entry[1] += spent
    return found, cost


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("record", "check"))
    parser.add_argument("verdicts", type=Path, help="JSON file of the recorded verdicts")
    parser.add_argument("--count", type=int, default=40, help="images per set and seed (default 40)")
    parser.add_argument("--seeds", default="2", help="comma-separated seeds of the image sets (default 2)")
    parser.add_argument("--ct", type=int, default=100, help="CT slices of the --vs-dcmanon shape (default 100)")
    parser.add_argument("--variants", action="store_true", help="also each uncompressed grey image flipped both ways")
    parser.add_argument("--header-pass", action="store_true",
                        help="also each image as deid's header pass screens it (the header it read handed over; "
                             "must equal the image's own verdict unless the pass rejects the image)")
    args = parser.parse_args(argv)
    found, cost = verdicts(args.count, [int(s) for s in args.seeds.split(",")], args.ct, args.variants, args.header_pass)
    if args.header_pass:
        handed = {name: found.pop(name) for name in [n for n in found if n.endswith(" (header pass)")]}
        unlike = sorted(name for name, verdict in handed.items() if verdict not in ("rejected", found[name[:-len(" (header pass)")]]))
        for name in unlike:
            print(f"header pass differs: {name}: {found[name[:-len(' (header pass)')]]!r} -> {handed[name]!r}")
        screened = sum(1 for verdict in handed.values() if verdict != "rejected")
        print(f"header pass: {screened} images screened with the header handed over, {len(unlike)} verdicts unlike the screen's own")
        if unlike:
            return 1
    for group, (n, seconds) in cost.items():
        print(f"{group}: {int(n)} images, screen {1000 * seconds / max(n, 1):.2f} ms CPU per image")
    flagged = sum(1 for v in found.values() if v)
    if args.action == "record":
        args.verdicts.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")
        print(f"recorded {len(found)} verdicts ({flagged} flagged)")
        return 0
    before = json.loads(args.verdicts.read_text())
    differ = sorted(name for name in set(before) | set(found) if before.get(name, "(absent)") != found.get(name, "(absent)"))
    for name in differ:
        print(f"differs: {name}: {before.get(name, '(absent)')!r} -> {found.get(name, '(absent)')!r}")
    print(f"{'identical' if not differ else f'{len(differ)} verdicts differ'} ({len(found)} images, {flagged} flagged)")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
