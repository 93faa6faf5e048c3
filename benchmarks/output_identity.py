"""Check that `curator deid` and `curator publish` of a folder give the same bytes as before.

Records (``record``) or compares (``check``) the SHA-256 of every file that a deid and a
publish of SOURCE (default ``examples/collection``) write, with a fixed key and release
date, so that a performance change can show it left the output byte-identical:

    python benchmarks/output_identity.py record /tmp/before.json   # on the old code
    python benchmarks/output_identity.py check /tmp/before.json    # on the new code

Exit code 0 when identical, 1 with the differing files listed.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEY_HEX = "6f75747075742d6964656e746974792d6b65792d303132333435363738396162"  # fixed, 32 bytes


def _tree(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _curator(*args: str) -> None:
    code = "import sys; from curator.cli import main; sys.argv[0] = 'curator'; sys.exit(main())"
    subprocess.run([sys.executable, "-c", code, *args], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


def outputs(source: Path, workers: int) -> dict[str, dict[str, str]]:
    with tempfile.TemporaryDirectory(prefix="curator-identity-") as tmp:
        scratch = Path(tmp)
        key = scratch / "key"
        from curator.deid.pseudonyms import KEY_PREFIX

        key.write_text(f"{KEY_PREFIX}{KEY_HEX}\n", encoding="utf-8")
        _curator("deid", str(source), str(scratch / "deid"), "--key", str(key), "--workers", str(workers))
        _curator("publish", str(source), str(scratch / "release"), "--key", str(key), "--workers", str(workers),
                 "--config", str(ROOT / "examples" / "release.yaml"), "--release-date", "2026-01-01")
        return {"deid": _tree(scratch / "deid"), "publish": _tree(scratch / "release")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("record", "check"))
    parser.add_argument("hashes", type=Path, help="JSON file of the recorded hashes")
    parser.add_argument("--source", type=Path, default=ROOT / "examples" / "collection")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    found = outputs(args.source.resolve(), args.workers)
    if args.action == "record":
        args.hashes.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")
        print(f"recorded {sum(len(v) for v in found.values())} files")
        return 0
    before = json.loads(args.hashes.read_text())
    differ = [f"{run}/{name}" for run in ("deid", "publish")
              for name in sorted(set(before[run]) | set(found[run])) if before[run].get(name) != found[run].get(name)]
    for name in differ:
        print("differs:", name)
    print(f"{'identical' if not differ else f'{len(differ)} files differ'} "
          f"({sum(len(v) for v in found.values())} files)")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
