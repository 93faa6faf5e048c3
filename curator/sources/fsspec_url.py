"""Sources named by an fsspec URL (``s3://bucket/prefix``, ``gs://…``, ``file:///…``).

Used when ``fsspec`` is installed (``pip install fsspec`` plus ``s3fs`` or ``gcsfs`` for
object stores; credentials come from fsspec's usual configuration, on the workers too).
The URL names a "folder" (a prefix); its files are listed recursively in the same order
as :class:`curator.sources.local.FolderSource` (sorted name by name, level by level), each as an
:class:`~curator.sources.base.Item` whose ``path`` is the file's full URL: workers, local or on
a Dask cluster, open it themselves with :func:`curator.sources.base.open_item` (no bytes go through the process
that lists).  Archives (zip/tar) inside a URL source are not expanded: they are rejected
with a reason (copy them to a shared folder first).  Nothing is ever written.
"""
from __future__ import annotations

from collections.abc import Iterator

from curator.errors import CuratorError
from curator.sources.base import Item, Rejection, Source

_ARCHIVE_NAMES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".gz", ".bz2", ".xz")


def _filesystem(url: str):
    try:
        import fsspec
    except ImportError:
        raise CuratorError("URL sources need fsspec: pip install fsspec (and s3fs or gcsfs for s3:// or gs://)") from None
    scheme = url.split("://", 1)[0]
    try:
        return fsspec.core.url_to_fs(url)
    except ImportError:
        raise CuratorError(f"{scheme}:// sources need the fsspec implementation for {scheme} (e.g. s3fs, gcsfs)") from None
    except ValueError:
        raise CuratorError(f"{scheme}:// is not a known fsspec protocol") from None


def _fingerprint(info: dict) -> str:
    """Changes whenever the object may have changed: size plus version, hash or mtime."""
    size = int(info.get("size") or 0)
    for name in ("generation", "VersionId", "ETag", "etag", "md5Hash", "mtime", "LastModified", "updated", "created"):
        value = info.get(name)
        if value not in (None, ""):
            return f"{size}:{value}"
    return f"{size}:?"


class FsspecSource(Source):
    """Every file below an fsspec URL, in :class:`~curator.sources.local.FolderSource` order."""

    def __init__(self, url: str):
        self.url = url
        self.fs, self.root = _filesystem(url)
        self.description = f"{self.fs.protocol if isinstance(self.fs.protocol, str) else self.fs.protocol[0]} URL"
        try:
            exists = self.fs.exists(self.root)
        except Exception:  # noqa: BLE001 - network, credentials …
            raise CuratorError(f"source cannot be listed: {url}") from None
        if not exists:
            raise CuratorError(f"source not found: {url}")

    def items(self) -> Iterator[Item | Rejection]:
        root = self.root.rstrip("/")
        try:
            if self.fs.isfile(root):
                listing = {root: self.fs.info(root)}
                root = root.rsplit("/", 1)[0]
            else:
                listing = self.fs.find(root, detail=True)
        except Exception as exc:  # noqa: BLE001
            yield Rejection(".", f"folder cannot be listed ({type(exc).__name__})")
            return
        entries = []
        for path, info in listing.items():
            if info.get("type", "file") != "file":
                continue
            relpath = path[len(root):].lstrip("/") if path.startswith(root) else path.rsplit("/", 1)[-1]
            entries.append((relpath.split("/"), relpath, path, info))
        entries.sort(key=lambda e: e[0])  # name by name, as FolderSource walks
        for _, relpath, path, info in entries:
            if relpath.lower().endswith(_ARCHIVE_NAMES):
                yield Rejection(relpath, "archive in a URL source (not expanded; copy it to a shared folder)")
                continue
            yield Item(relpath, int(info.get("size") or 0), _fingerprint(info), path=self.fs.unstrip_protocol(path))


def open_url(url: str) -> FsspecSource:
    """The source named by an fsspec URL (:class:`CuratorError` when it cannot be used)."""
    return FsspecSource(url)
