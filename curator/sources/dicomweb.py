"""DICOMweb as a source (QIDO-RS, WADO-RS) and as a destination (STOW-RS).

A source given as ``http(s)://host/…/dicom-web`` (or ``dicomweb+http(s)://…``) is listed
with QIDO-RS (studies, then series, then instances, page by page), and each instance's
header comes from WADO-RS *metadata* (one request per series, no pixel transfer): the
instance's DICOM JSON becomes the payload of an :class:`~curator.sources.base.Item`, marked
with :data:`curator.dicom.header.JSON_MAGIC` so that :func:`curator.dicom.header.read_header` parses
it.  :meth:`DicomWebItem.read` (used by de-identification) fetches the full instance with
WADO-RS instead.

:func:`store_instances` sends files to a DICOMweb server with STOW-RS, in batches, and
appends the key of every stored SOP Instance UID (a one-way hash, never the UID) to a
journal, so that a re-run skips what is already stored.

Everything goes through one :class:`requests.Session` with retries and exponential
back-off (connection errors, HTTP 429/502/503/504) and timeouts.  Credentials come from
the environment (``CURATOR_DICOMWEB_TOKEN``, or ``CURATOR_DICOMWEB_USER`` and
``CURATOR_DICOMWEB_PASSWORD``) or from a JSON file named by
``CURATOR_DICOMWEB_CREDENTIALS``; they are never printed, logged, or put in a URL.
Every failure reaches the user as a :class:`~curator.errors.CuratorError` naming the
server (scheme, host, port and path only) and what went wrong, never a UID or a
credential.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import math
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn, TextIO, TypeVar
from urllib.parse import urljoin, urlsplit, urlunsplit

from curator.errors import CuratorError
from curator.dicom.header import JSON_MAGIC
from curator.index.store import key
from curator.sources.base import DICOMWEB_PREFIX, Item, Rejection, Source

T = TypeVar("T")

PREFIX = DICOMWEB_PREFIX
SCHEMES = ("http", "https")
# Elements a server adds to WADO-RS metadata that are not part of the stored instance.
SERVER_ADDED = ("00080056", "00081190", "00083002")
_STUDY, _SERIES, _SOP = "0020000D", "0020000E", "00080018"


class AnswerTooLarge(CuratorError):
    """An answer declares or sends more bytes than ``Settings.max_bytes`` (after decompression)."""


class _BoundedBody:
    """A response's raw body (urllib3) that raises :class:`AnswerTooLarge` once more than
    ``limit`` decoded bytes have come: requests reads a whole answer into memory, and a server
    may declare 10^12 bytes, send for ever, or send a gzip bomb."""

    def __init__(self, raw: Any, limit: int, label: str):
        self._raw, self._limit, self._label, self._seen = raw, limit, label, 0

    def _count(self, chunk: bytes) -> bytes:
        self._seen += len(chunk)
        if self._seen > self._limit:
            self._raw.close()
            raise AnswerTooLarge(_too_large(self._label, self._limit))
        return chunk

    def stream(self, amt: int | None = None, decode_content: bool | None = None) -> Iterator[bytes]:
        for chunk in self._raw.stream(amt, decode_content=decode_content):
            yield self._count(chunk)

    def read(self, amt: int | None = None, *args: Any, **kwargs: Any) -> bytes:
        return self._count(self._raw.read(amt, *args, **kwargs))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


def _too_large(label: str, limit: int) -> str:
    return (f"the DICOMweb server at {label} sent an answer larger than {limit:,} bytes (raise "
            "CURATOR_DICOMWEB_MAX_BYTES for larger instances)")


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return parts.scheme.lower(), (parts.hostname or "").lower(), port or default


class InstanceUnreadable(OSError):
    """One instance retrieved from a server cannot be read; the others can."""

    def __init__(self, message: str):
        super().__init__(message)
        self.strerror = message


def _float_env(name: str, default: float, least: float = 0.0, whole: bool = False) -> float:
    """``$name`` as a finite number of at least ``least`` (a whole number when ``whole``),
    else ``default`` when unset or empty; a clear error naming the variable otherwise (a
    negative retry count or a page of 0 would mean no request, or a loop that never ends)."""
    value = os.environ.get(name)
    if not value:
        return default
    kind = "a whole number" if whole else "a number"
    try:
        number = float(value)
    except ValueError:
        raise CuratorError(f"{name} must be {kind} (at least {least:g})") from None
    if not math.isfinite(number) or number < least or (whole and not number.is_integer()):
        raise CuratorError(f"{name} must be {kind} (at least {least:g})")
    return number


@dataclass(frozen=True)
class Settings:
    """Network settings; each can be set in the environment (``CURATOR_DICOMWEB_…``)."""

    timeout: float = 30.0  # seconds to connect, and between bytes of an answer
    deadline: float = 600.0  # seconds for one whole request, retries included (a server may send a byte a second)
    retries: int = 3  # further attempts after a connection error or HTTP 429/502/503/504
    backoff: float = 0.5  # seconds; the wait doubles at each retry
    page: int = 500  # QIDO-RS results per request
    max_bytes: int = 1 << 30  # bytes of one answer (after decompression): a lying or endless body is refused

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            timeout=_float_env("CURATOR_DICOMWEB_TIMEOUT", cls.timeout, least=0.001),
            deadline=_float_env("CURATOR_DICOMWEB_DEADLINE", cls.deadline, least=0.001),
            retries=int(_float_env("CURATOR_DICOMWEB_RETRIES", cls.retries, whole=True)),
            backoff=_float_env("CURATOR_DICOMWEB_BACKOFF", cls.backoff),
            page=int(_float_env("CURATOR_DICOMWEB_PAGE", cls.page, least=1, whole=True)),
            max_bytes=int(_float_env("CURATOR_DICOMWEB_MAX_BYTES", cls.max_bytes, least=1, whole=True)),
        )


def service_url(spec: str | os.PathLike[str]) -> str:
    """The DICOMweb service root named by ``spec`` (``dicomweb+`` removed, no trailing ``/``)."""
    text = os.fspath(spec).strip()
    if text.lower().startswith(PREFIX):
        text = text[len(PREFIX):]
    parts = urlsplit(text)
    if parts.scheme.lower() not in SCHEMES or not parts.hostname:
        raise CuratorError("a DICOMweb source must be an http:// or https:// URL of the service root (e.g. https://pacs/dicom-web)")
    if parts.username is not None or parts.password is not None:
        raise CuratorError(
            "credentials in a DICOMweb URL are not accepted (they would end up in logs); set CURATOR_DICOMWEB_TOKEN, "
            "CURATOR_DICOMWEB_USER and CURATOR_DICOMWEB_PASSWORD, or CURATOR_DICOMWEB_CREDENTIALS instead"
        )
    if parts.query or parts.fragment or "/studies" in parts.path.lower():
        raise CuratorError("give the DICOMweb service root (e.g. https://pacs/dicom-web), without a query or a study path")
    try:
        parts.port  # noqa: B018 - validates the port
    except ValueError:
        raise CuratorError("the DICOMweb URL has an invalid port") from None
    return urlunsplit((parts.scheme.lower(), parts.netloc, parts.path.rstrip("/"), "", ""))


def _label(url: str) -> str:
    """The server as shown in messages: scheme, host, port and path, nothing else."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, (parts.hostname or "") + (f":{parts.port}" if parts.port else ""), parts.path, "", ""))


def _credentials() -> tuple[dict[str, str], tuple[str, str] | None]:
    """``(headers, basic auth)`` from the environment or the credentials file."""
    token = os.environ.get("CURATOR_DICOMWEB_TOKEN")
    user = os.environ.get("CURATOR_DICOMWEB_USER")
    password = os.environ.get("CURATOR_DICOMWEB_PASSWORD")
    path = os.environ.get("CURATOR_DICOMWEB_CREDENTIALS")
    if not token and not user and path:
        from curator.common.regular import read_named

        raw = read_named(path, "the file named by CURATOR_DICOMWEB_CREDENTIALS")  # a FIFO or a device refused
        try:
            data = json.loads(raw.decode("utf-8"))
        except ValueError:
            raise CuratorError("the file named by CURATOR_DICOMWEB_CREDENTIALS is not JSON ({\"token\": …} or {\"username\": …, \"password\": …})") from None
        if not isinstance(data, dict):
            raise CuratorError("the file named by CURATOR_DICOMWEB_CREDENTIALS must hold a JSON object")
        token = data.get("token")
        user = data.get("username") or data.get("user")
        password = data.get("password")
    if token:
        token = str(token).strip()
        if not token.isprintable() or not token.isascii():  # a line break would add a header of its own
            raise CuratorError("the DICOMweb token (CURATOR_DICOMWEB_TOKEN or the credentials file) holds a line break "
                               "or another character a token never holds; give it on one line, as issued")
        return {"Authorization": f"Bearer {token}"}, None
    if user:
        if password is None:
            raise CuratorError("a DICOMweb user name is set but no password (CURATOR_DICOMWEB_PASSWORD)")
        return {}, (str(user), str(password))
    return {}, None


def _quiet_libraries() -> None:
    """The HTTP libraries log request URLs (which hold UIDs): keep them silent."""
    logging.getLogger("dicomweb_client").setLevel(logging.CRITICAL + 1)
    logging.getLogger("urllib3.connectionpool").setLevel(logging.CRITICAL + 1)
    logging.getLogger("urllib3.util.retry").setLevel(logging.CRITICAL + 1)


class Server:
    """A DICOMweb service reached through :mod:`dicomweb_client` with one session."""

    def __init__(self, spec: str | os.PathLike[str], settings: Settings | None = None):
        try:
            import requests
            from dicomweb_client.api import DICOMwebClient
            from requests.adapters import HTTPAdapter
            from urllib3.util.retry import Retry
        except ImportError:
            raise CuratorError("DICOMweb needs dicomweb-client: pip install dicomweb-client") from None
        _quiet_libraries()
        self.url = service_url(spec)
        self.label = _label(self.url)
        self.settings = settings or Settings.from_env()
        headers, auth = _credentials()
        session = requests.Session()
        session.headers.update(headers)
        session.auth = auth
        session.trust_env = False  # no .netrc or proxy settings: credentials only as documented
        retry = Retry(
            total=self.settings.retries, connect=self.settings.retries, read=self.settings.retries, status=self.settings.retries,
            backoff_factor=self.settings.backoff, status_forcelist=(429, 502, 503, 504),
            allowed_methods=frozenset({"GET", "POST"}), raise_on_status=False, respect_retry_after_header=True,
        )
        adapter = HTTPAdapter(max_retries=retry)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.hooks["response"].append(self._guard)
        self.session = session
        self.client = DICOMwebClient(self.url, session=session, timeout=(self.settings.timeout, self.settings.timeout))
        self.client.set_http_retry_params(retry=False)  # the session retries (connection errors too)

    def _guard(self, response: Any, *args: Any, **kwargs: Any) -> Any:
        """Each answer, before requests reads its body: a redirect to another scheme, host or
        port is refused (the request's UIDs and the credentials stay with the server named);
        a body larger than ``max_bytes``, declared or sent, is refused as it comes."""
        limit = self.settings.max_bytes
        if response.is_redirect:
            target = urljoin(response.url, response.headers.get("location", ""))
            if _origin(target) != _origin(self.url):
                response.close()
                raise CuratorError(f"the DICOMweb server at {self.label} redirected a request to another server "
                                   "(not followed: give the URL of the server that answers)")
        declared = (response.headers.get("content-length") or "").strip()
        if declared.isdigit() and int(declared) > limit:
            response.close()
            raise AnswerTooLarge(_too_large(self.label, limit))
        response.raw = _BoundedBody(response.raw, limit, self.label)
        return response

    # -- errors ---------------------------------------------------------------------
    def call(self, what: str, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``function(*args, **kwargs)``, any network or protocol failure as a CuratorError;
        one that has not ended within ``deadline`` seconds too (the timeout bounds the wait
        between two bytes only: a server that sends one byte a second would hold the run for
        ever).  The request runs in a daemon thread left behind, blocked, when it overruns."""
        outcome: list[Any] = []

        def request() -> None:
            try:
                outcome.append((True, function(*args, **kwargs)))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                outcome.append((False, exc))

        worker = threading.Thread(target=request, name="curator-dicomweb-request", daemon=True)
        worker.start()
        worker.join(self.settings.deadline)
        if not outcome:
            raise CuratorError(f"the DICOMweb server at {self.label} did not finish answering within "
                               f"{self.settings.deadline:g} s while {what} (it sends too slowly; raise "
                               "CURATOR_DICOMWEB_DEADLINE for a slow server)")
        done, value = outcome[0]
        if done:
            return value
        return self._failure(what, value)

    def _failure(self, what: str, error: BaseException) -> NoReturn:
        """``error`` of a request as a CuratorError (raised as it is when it is none of a network's)."""
        import requests

        try:
            raise error
        except requests.exceptions.HTTPError as exc:
            status = exc.response.status_code if exc.response is not None else 0
            raise HttpStatusError(self._status_message(what, status), status) from None
        except (requests.exceptions.ConnectTimeout, requests.exceptions.ReadTimeout):
            raise CuratorError(self._timeout_message(what)) from None
        except requests.exceptions.ConnectionError as exc:
            if _is_read_timeout(exc):
                raise CuratorError(self._timeout_message(what)) from None
            reason = _connection_reason(exc)
            if reason.startswith("the server"):  # reached, but what it sent is no HTTP answer
                raise CuratorError(f"the DICOMweb server at {self.label} gave no valid HTTP answer while {what} ({reason})") from None
            raise CuratorError(f"cannot reach the DICOMweb server at {self.label} while {what} ({reason})") from None
        except requests.exceptions.JSONDecodeError:  # before RequestException, of which it is one
            raise CuratorError(f"the server at {self.label} answered something that is not DICOMweb JSON while {what} "
                               "(an HTML page, a login or another service: the URL must be the DICOMweb root, "
                               "e.g. https://host/dicom-web)") from None
        except requests.exceptions.RequestException as exc:
            raise CuratorError(f"the DICOMweb request to {self.label} failed while {what} ({type(exc).__name__})") from None
        except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
            raise CuratorError(f"the DICOMweb server at {self.label} answered something that is not valid "
                               f"DICOMweb while {what} ({_invalid_words(exc)})") from None

    def _timeout_message(self, what: str) -> str:
        return (f"the DICOMweb server at {self.label} did not answer within {self.settings.timeout:g} s while {what} "
                f"(after {self.settings.retries} retries; raise CURATOR_DICOMWEB_TIMEOUT for a slow server)")

    def _status_message(self, what: str, status: int) -> str:
        hint = {
            401: "the credentials were refused or are missing (CURATOR_DICOMWEB_TOKEN, CURATOR_DICOMWEB_USER/PASSWORD or CURATOR_DICOMWEB_CREDENTIALS)",
            403: "access is forbidden for these credentials",
            404: "not found: is the URL the DICOMweb service root?",
            429: "too many requests, even after retries",
        }.get(status, "server error" if status >= 500 else "request refused")
        return f"the DICOMweb server at {self.label} answered HTTP {status} while {what}: {hint}"

    # -- QIDO-RS --------------------------------------------------------------------
    def _paged(self, what: str, search: Callable[..., list], **kwargs: Any) -> list[dict]:
        results: list[dict] = []
        offset = 0
        page = self.settings.page
        while True:
            chunk = self.call(what, search, limit=page, offset=offset, **kwargs)
            if not isinstance(chunk, list):
                raise CuratorError(f"the DICOMweb server at {self.label} answered something that is not a QIDO-RS result while {what}")
            results.extend(chunk)
            if len(chunk) < page:
                return results
            offset += len(chunk)

    def studies(self) -> list[str]:
        return _uids(self._paged("listing studies (QIDO-RS)", self.client.search_for_studies, fields=[_STUDY]), _STUDY)

    def series(self, study: str) -> list[str]:
        return _uids(self._paged("listing series (QIDO-RS)", self.client.search_for_series, study_instance_uid=study), _SERIES)

    def instances(self, study: str, series: str) -> list[str]:
        found = self._paged("listing instances (QIDO-RS)", self.client.search_for_instances,
                            study_instance_uid=study, series_instance_uid=series)
        return _uids(found, _SOP)

    def check(self) -> None:
        """Raise :class:`CuratorError` unless the server answers a QIDO-RS query."""
        self.call("checking the server (QIDO-RS)", self.client.search_for_studies, limit=1, fields=[_STUDY])

    # -- WADO-RS --------------------------------------------------------------------
    def series_metadata(self, study: str, series: str) -> list[dict]:
        result = self.call("reading series metadata (WADO-RS)", self.client.retrieve_series_metadata, study, series)
        if not isinstance(result, list) or not all(isinstance(m, dict) for m in result):
            raise CuratorError(f"the DICOMweb server at {self.label} answered something that is not DICOM JSON while reading series metadata (WADO-RS)")
        return result

    def instance_bytes(self, study: str, series: str, sop: str) -> bytes:
        """The instance as a DICOM Part-10 file, in the transfer syntax the server stores.

        An instance the server sends in a form pydicom cannot read raises
        :class:`InstanceUnreadable` (an ``OSError``: the run rejects that instance and goes on).
        """
        import pydicom
        from pydicom.errors import InvalidDicomError

        try:
            ds = self.call("retrieving an instance (WADO-RS)", self.client.retrieve_instance, study, series, sop,
                           media_types=(("application/dicom", "*"),))
        except InvalidDicomError:
            raise InstanceUnreadable(f"the server sent this instance in a form that is not a DICOM file (WADO-RS from {self.label})") from None
        except AnswerTooLarge:
            raise InstanceUnreadable(f"the server sent this instance as more than {self.settings.max_bytes:,} bytes "
                                     f"(WADO-RS from {self.label}; raise CURATOR_DICOMWEB_MAX_BYTES for larger instances)") from None
        buffer = io.BytesIO()
        try:
            pydicom.dcmwrite(buffer, ds, enforce_file_format=True)
        except Exception as exc:  # noqa: BLE001
            raise CuratorError(f"an instance retrieved from {self.label} cannot be written as a DICOM file ({type(exc).__name__})") from None
        return buffer.getvalue()


class HttpStatusError(CuratorError):
    """The server answered an HTTP error status (``status``)."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def _is_read_timeout(exc: BaseException) -> bool:
    from urllib3.exceptions import ReadTimeoutError

    seen: set[int] = set()
    stack: list[Any] = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ReadTimeoutError):
            return True
        stack.extend(getattr(current, "args", ()) if isinstance(current, BaseException) else ())
        stack.append(getattr(current, "reason", None))
    return False


def _invalid_words(exc: BaseException) -> str:
    """What is wrong with an answer that is not valid DICOMweb, in words (never the exception's
    text: it may quote the answer, a UID holding a patient's name)."""
    if isinstance(exc, ValueError):
        return "a value DICOMweb does not allow there, such as a UID that is not one"
    if isinstance(exc, (KeyError, IndexError)):
        return "an entry lacks an attribute DICOMweb requires"
    return "an entry is not shaped as DICOMweb JSON"


def _connection_reason(exc: BaseException) -> str:
    text = str(exc).lower()
    for needle, reason in (("refused", "connection refused: is the server running?"), ("name or service", "unknown host"),
                           ("nodename", "unknown host"), ("certificate", "TLS certificate problem"), ("reset", "connection reset"),
                           ("badstatusline", "the server answered something that is not HTTP"),
                           ("linetoolong", "the server's answer has a header line longer than 64 KiB"),
                           ("more than 100 headers", "the server's answer has more than 100 headers")):
        if needle in text:
            return reason
    return "connection failed"


def _uids(results: list[dict], tag: str) -> list[str]:
    """The values of ``tag`` in QIDO-RS results (sorted by key, duplicates removed)."""
    found: set[str] = set()
    for result in results:
        try:
            value = result[tag]["Value"][0]
        except (KeyError, IndexError, TypeError):
            continue
        if isinstance(value, str) and value:
            found.add(value)
    return sorted(found, key=lambda uid: (key("uid", uid), uid))


def metadata_payload(metadata: dict) -> bytes:
    """The item payload of one instance's DICOM JSON: :data:`JSON_MAGIC` then the JSON."""
    cleaned = {tag: value for tag, value in metadata.items() if tag.upper() not in SERVER_ADDED and tag[:4] != "0002"}
    available = (metadata.get("00083002") or {}).get("Value") if isinstance(metadata.get("00083002"), dict) else None
    if isinstance(available, list) and len(available) == 1 and isinstance(available[0], str):
        # The one transfer syntax the server holds the instance in (PS3.18 metadata has no file meta).
        cleaned["00020010"] = {"vr": "UI", "Value": [available[0]]}
    return JSON_MAGIC + json.dumps(cleaned, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


@dataclass(frozen=True)
class DicomWebItem(Item):
    """An instance on a DICOMweb server: ``data`` is its metadata, :meth:`read` the file."""

    uids: tuple[str, str, str] = field(default=("", "", ""), repr=False, compare=False)
    source: DicomWebSource | None = field(default=None, repr=False, compare=False)

    def read(self) -> bytes:
        """The full instance (WADO-RS), for de-identification; the header is in ``data``."""
        assert self.source is not None
        return self.source.fetch_instance(self)

    def __reduce__(self):  # sent to worker processes without the session
        return (Item, (self.relpath, self.size, self.fingerprint, self.path, self.data))


class DicomWebSource(Source):
    """Every instance on a DICOMweb server, listed study by study and series by series.

    Items come in the order of the keys of their UIDs; an item's ``relpath`` is
    ``dicomweb~<study key>~<series key>~<instance key>`` (the index keys, never UIDs, and
    no folder: sites come from the Institution Name).  Instances QIDO-RS lists whose
    metadata the server does not return are rejected with the reason.  A server that
    cannot be reached, times out, or fails while listing stops the scan with a
    :class:`CuratorError` (the previous index stays as it was).
    """

    def __init__(self, spec: str | os.PathLike[str], settings: Settings | None = None):
        self.server = Server(spec, settings)
        self.description = "DICOMweb server"
        self.server.check()

    def items(self) -> Iterator[Item | Rejection]:
        server = self.server
        for study in server.studies():
            for series in server.series(study):
                listed = server.instances(study, series)
                prefix = f"dicomweb~{key('study', study)}~{key('series', series)}~"
                try:
                    metadata = server.series_metadata(study, series)
                except HttpStatusError as exc:
                    reason = f"metadata not returned by the server (HTTP {exc.status})"
                    for sop in listed:
                        yield Rejection(prefix + key("sop", sop), reason)
                    continue
                by_sop: dict[str, dict] = {}
                for instance in metadata:
                    try:
                        sop = instance[_SOP]["Value"][0]
                    except (KeyError, IndexError, TypeError):
                        continue
                    if isinstance(sop, str):
                        by_sop[sop] = instance
                for sop in listed:
                    if sop not in by_sop:
                        yield Rejection(prefix + key("sop", sop), "listed by QIDO-RS but no WADO-RS metadata returned")
                for sop in sorted(by_sop, key=lambda uid: (key("sop", uid), uid)):
                    payload = metadata_payload(by_sop[sop])
                    yield DicomWebItem(
                        prefix + key("sop", sop), len(payload), "json:" + hashlib.sha256(payload).hexdigest()[:32],
                        data=payload, uids=(study, series, sop), source=self,
                    )

    def fetch_instance(self, item: Item) -> bytes:
        """The full DICOM file of ``item`` (WADO-RS instance), for de-identification."""
        if not isinstance(item, DicomWebItem) or not all(item.uids):
            raise CuratorError("this item does not come from a DICOMweb listing")
        return self.server.instance_bytes(*item.uids)


def check_server(url: str | os.PathLike[str], settings: Settings | None = None) -> None:
    """Raise :class:`CuratorError` with a clear message unless ``url`` answers QIDO-RS."""
    Server(url, settings).check()


def check_destination(url: str) -> None:
    """``--to URL``, checked before any work: a valid service root (no credentials in it)
    that is reachable and accepts the credentials (a QIDO-RS query, as :func:`store_tree`
    makes); else :class:`CuratorError` prefixed ``--to:`` (the URL shown without credentials)."""
    try:
        check_server(url)
    except CuratorError as exc:
        raise CuratorError(f"--to: {exc}") from None


# -- STOW-RS -------------------------------------------------------------------------------


@dataclass
class StoreReport:
    """What :func:`store_instances` did: counts, and the files that failed with why."""

    stored: int = 0
    skipped: int = 0  # already in the journal
    failed: list[tuple[Path, str]] = field(default_factory=list)
    batches: int = 0

    def as_dict(self) -> dict[str, Any]:
        reasons: dict[str, int] = {}
        for _, reason in self.failed:
            reasons[reason] = reasons.get(reason, 0) + 1
        return {"stored": self.stored, "skipped": self.skipped, "failed": len(self.failed),
                "failure_reasons": dict(sorted(reasons.items())), "batches": self.batches}


def journal_keys(journal: str | os.PathLike[str]) -> set[str]:
    """The stored-instance keys recorded in a STOW-RS journal (empty when there is none)."""
    try:
        text = Path(journal).read_text(encoding="ascii")
    except FileNotFoundError:
        return set()
    except (OSError, UnicodeError):
        raise CuratorError("the STOW-RS journal cannot be read") from None
    return {line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")}


def store_instances(
    url: str | os.PathLike[str],
    files: Iterable[str | os.PathLike[str]],
    batch_size: int = 25,
    journal: str | os.PathLike[str] | None = None,
    settings: Settings | None = None,
) -> StoreReport:
    """Store ``files`` on the DICOMweb server at ``url`` with STOW-RS, ``batch_size`` per request.

    After each batch the key of every instance the server accepted (``key("sop", UID)``,
    as in the index; never the UID) is appended to ``journal`` and flushed, so a re-run
    skips them and a run that stops half-way loses nothing.  Files that are not DICOM,
    have no SOP Instance UID, or that the server refuses are listed in
    ``StoreReport.failed`` with the reason; a server that cannot be reached, times out or
    answers a server error raises :class:`CuratorError` (what was stored before is in the
    journal).
    """
    import pydicom

    if batch_size < 1:
        raise CuratorError("the STOW-RS batch size must be at least 1")
    server = Server(url, settings)
    server.check()
    done = journal_keys(journal) if journal is not None else set()
    report = StoreReport()
    with contextlib.ExitStack() as stack:
        handle = _open_journal(Path(journal), stack) if journal is not None else None

        def record(keys: list[str]) -> None:
            done.update(keys)
            if handle is not None and keys:
                handle.write("".join(k + "\n" for k in keys))
                handle.flush()
                os.fsync(handle.fileno())

        def send(batch: list[tuple[Path, pydicom.Dataset, str]]) -> None:
            report.batches += 1
            try:
                answer = server.call("storing instances (STOW-RS)", server.client.store_instances, [ds for _, ds, _ in batch])
            except HttpStatusError as exc:
                if exc.status >= 500 or exc.status in (401, 403, 404, 429):
                    raise CuratorError(f"{exc} ({report.stored} instances stored in this run are recorded in the journal; run again to resume)") from None
                if len(batch) > 1:  # one refused instance fails the request: find which, one by one
                    report.batches -= 1
                    for one in batch:
                        send([one])
                    return
                report.failed.append((batch[0][0], f"refused by the server (HTTP {exc.status})"))
                return
            except CuratorError as exc:
                raise CuratorError(f"{exc} ({report.stored} instances stored in this run are recorded in the journal; run again to resume)") from None
            accepted, failed = _stow_outcome(answer, {uid for _, _, uid in batch})
            keys = [key("sop", uid) for _, _, uid in batch if uid in accepted]
            report.stored += len(keys)
            record(keys)
            for path, _, uid in batch:
                if uid not in accepted:
                    report.failed.append((path, failed.get(uid, "not confirmed by the server")))

        batch: list[tuple[Path, pydicom.Dataset, str]] = []
        for name in files:
            path = Path(name)
            try:
                ds = pydicom.dcmread(path)
                uid = str(ds.SOPInstanceUID)
            except Exception as exc:  # noqa: BLE001 - one bad file never stops the run
                report.failed.append((path, f"not a readable DICOM instance ({type(exc).__name__})"))
                continue
            if key("sop", uid) in done:
                report.skipped += 1
                continue
            batch.append((path, ds, uid))
            if len(batch) >= batch_size:
                send(batch)
                batch = []
        if batch:
            send(batch)
    return report


def _open_journal(journal: Path, stack: contextlib.ExitStack) -> TextIO:
    """The STOW-RS journal opened for appending, closed when ``stack`` closes."""
    journal.parent.mkdir(parents=True, exist_ok=True)
    try:
        return stack.enter_context(open(journal, "a", encoding="ascii"))
    except OSError as exc:
        raise CuratorError(f"the STOW-RS journal cannot be written ({exc.strerror or 'OS error'})") from None


def _stow_outcome(answer: Any, sent: set[str]) -> tuple[set[str], dict[str, str]]:
    """The UIDs the STOW-RS response confirms, and failure reasons by UID."""
    accepted: set[str] = set()
    failed: dict[str, str] = {}
    for item in getattr(answer, "ReferencedSOPSequence", None) or []:
        uid = str(item.get("ReferencedSOPInstanceUID", ""))
        if uid in sent:
            accepted.add(uid)
    for item in getattr(answer, "FailedSOPSequence", None) or []:
        uid = str(item.get("ReferencedSOPInstanceUID", ""))
        reason = item.get("FailureReason")
        failed[uid] = f"refused by the server (failure reason {int(reason):04X}H)" if reason is not None else "refused by the server"
    return accepted - set(failed), failed


def store_tree(url: str, folder: Path, journal: Path) -> StoreReport:
    """Store every ``*.dcm`` below ``folder`` to ``url`` with STOW-RS (resumable)."""
    check_server(url)
    files = sorted(p for p in Path(folder).rglob("*.dcm") if p.is_file())
    return store_instances(url, files, journal=journal)
