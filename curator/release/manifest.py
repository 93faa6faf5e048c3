"""``MANIFEST``: the SHA-256 of every file of a release, and its verification.

The format is that of ``sha256sum`` (``<64 hex>  <path>``, one file a line), so
``sha256sum -c MANIFEST`` run in the release folder checks it too.  Paths are relative,
POSIX, sorted by their UTF-8 bytes; the MANIFEST does not list itself.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from curator.errors import CuratorError

MANIFEST_NAME = "MANIFEST"
_LINE = re.compile(r"^([0-9a-f]{64})  (.+)$")
_CHUNK = 1 << 20


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def release_files(root: Path, special: list[str] | None = None) -> list[str]:
    """The relative paths of the regular files of a release but MANIFEST; ``special``, when
    given, receives those of symbolic links, FIFOs, devices and sockets (which a release never
    holds: they are neither hashed nor read, a FIFO would wait for ever; ``validate`` lists
    them as a failed check), else a symbolic link is a :class:`CuratorError`."""
    rels = []
    for p in root.rglob("*"):
        if p.is_symlink():
            if special is not None:
                special.append(p.relative_to(root).as_posix())
                continue
            raise CuratorError(f"release holds a symbolic link, which a MANIFEST cannot vouch for: {p.relative_to(root).as_posix()}")
        if p.is_file():
            rel = p.relative_to(root).as_posix()
            if rel != MANIFEST_NAME:
                rels.append(rel)
        elif special is not None and not p.is_dir():
            special.append(p.relative_to(root).as_posix())
    return sorted(rels, key=lambda r: r.encode("utf-8"))


def compute(release_dir: str | Path) -> dict[str, str]:
    """{relative path: sha256} of every file under the release folder except MANIFEST."""
    root = Path(release_dir)
    if not root.is_dir():
        raise CuratorError(f"release folder not found: {root.name}")
    return {rel: sha256_file(root / rel) for rel in release_files(root)}


def write_manifest(release_dir: str | Path) -> Path:
    """Write ``MANIFEST`` in the release folder; return its path."""
    root = Path(release_dir)
    entries = compute(root)
    for rel in entries:
        if "\n" in rel or "\r" in rel:
            raise CuratorError("a file name in the release holds a line break")
    text = "".join(f"{digest}  {rel}\n" for rel, digest in entries.items())
    path = root / MANIFEST_NAME
    path.write_bytes(text.encode("utf-8"))
    return path


def read_manifest(path: str | Path) -> dict[str, str]:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CuratorError(f"{MANIFEST_NAME} not found in the release") from None
    except UnicodeDecodeError:
        raise CuratorError(f"{MANIFEST_NAME} is not UTF-8 text") from None
    out: dict[str, str] = {}
    for n, line in enumerate(text.splitlines(), 1):
        m = _LINE.match(line)
        if not m:
            raise CuratorError(f"{MANIFEST_NAME} line {n} is not '<sha256>  <path>'")
        digest, rel = m.groups()
        if rel.startswith("/") or ".." in Path(rel).parts:
            raise CuratorError(f"{MANIFEST_NAME} line {n} names a path outside the release")
        if rel in out:
            raise CuratorError(f"{MANIFEST_NAME} line {n} repeats a path")
        out[rel] = digest
    return out


@dataclass(frozen=True)
class ManifestCheck:
    """What ``verify_manifest`` found: empty lists mean the release is intact."""

    missing: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unlisted: list[str] = field(default_factory=list)
    special: list[str] = field(default_factory=list)  # FIFOs, devices, sockets: never read

    @property
    def ok(self) -> bool:
        return not (self.missing or self.changed or self.unlisted or self.special)

    def problems(self) -> list[str]:
        return ([f"missing: {p}" for p in self.missing] + [f"checksum differs: {p}" for p in self.changed]
                + [f"not in MANIFEST: {p}" for p in self.unlisted]
                + [f"symbolic link, FIFO or device: {p}" for p in self.special])


def verify_manifest(release_dir: str | Path) -> ManifestCheck:
    """Re-hash every file and compare with ``MANIFEST``."""
    root = Path(release_dir)
    listed = read_manifest(root / MANIFEST_NAME)
    special: list[str] = []
    present = set(release_files(root, special))
    missing = sorted(p for p in listed if p not in present and p not in special)
    changed = sorted(p for p in listed if p in present and sha256_file(root / p) != listed[p])
    unlisted = sorted(present - set(listed))
    return ManifestCheck(missing, changed, unlisted, sorted(special))
