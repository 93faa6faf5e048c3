"""DICOMweb as a source and as a destination, against a real Orthanc (tests/orthanc.py).

The Orthanc tests are marked ``external`` and skip with a reason when Debian's ``orthanc``
or ``orthanc-dicomweb`` is missing.  Failures (server down, HTTP errors, a slow server)
use a small local HTTP server thread on 127.0.0.1 that answers as told.
"""
from __future__ import annotations

import io
import json
import secrets
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pydicom
import pytest

from curator.analyses.audit import build_report
from curator.sources.dicomweb import (
    DicomWebItem,
    DicomWebSource,
    check_server,
    journal_keys,
    store_instances,
)
from curator.errors import CuratorError
from curator.dicom.header import JSON_MAGIC, HeaderError, read_header_bytes
from curator.index.store import key
from curator.index.scan import scan_source
from curator.sources.base import Item, Rejection
from curator.sources.registry import open_source
from tests.orthanc import Orthanc, free_port

COLLECTION = Path(__file__).resolve().parents[1] / "examples" / "collection"
FAST = {"CURATOR_DICOMWEB_TIMEOUT": "5", "CURATOR_DICOMWEB_RETRIES": "0", "CURATOR_DICOMWEB_BACKOFF": "0.01"}
IDENTIFYING = ("PatientName", "PatientID", "PatientBirthDate", "AccessionNumber", "InstitutionName", "ReferringPhysicianName",
               "StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "OtherPatientIDs", "InstitutionAddress")


@pytest.fixture(autouse=True)
def _no_credentials(monkeypatch):
    for name in ("CURATOR_DICOMWEB_TOKEN", "CURATOR_DICOMWEB_USER", "CURATOR_DICOMWEB_PASSWORD", "CURATOR_DICOMWEB_CREDENTIALS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in FAST.items():
        monkeypatch.setenv(name, value)


def _collection_instances() -> list[tuple[str, bytes]]:
    """``(relpath, bytes)`` of every item of the example collection a header reader accepts."""
    found = []
    for item in open_source(COLLECTION).items():
        if isinstance(item, Rejection):
            continue
        data = item.read()
        try:
            read_header_bytes(data)
        except HeaderError:
            continue
        found.append((item.relpath, data))
    return found


def _identifier_values() -> set[str]:
    """Identifying values (names, IDs, UIDs, …) of the example collection, for leak checks."""
    values: set[str] = set()
    for _, data in _collection_instances():
        ds = read_header_bytes(data)
        for keyword in IDENTIFYING:
            value = ds.get(keyword)
            if value is None:
                continue
            for single in (value if isinstance(value, pydicom.multival.MultiValue) else [value]):
                text = str(single).strip()
                if len(text) >= 6:
                    values.add(text)
                    values.update(part for part in text.split("^") if len(part) >= 6)
    return values


@pytest.fixture(scope="module")
def collection() -> list[tuple[str, bytes]]:
    return _collection_instances()


@pytest.fixture(scope="module")
def source_server(tmp_path_factory, collection):
    with Orthanc(tmp_path_factory.mktemp("orthanc-source")) as server:
        for _, data in collection:
            server.upload(data)
        yield server


@pytest.fixture(scope="module")
def folder_report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("folder-index")
    return build_report(scan_source(COLLECTION, folder / "index.parquet", workers=1).frame())


def _with_credentials(monkeypatch, server: Orthanc) -> None:
    # A real server, used as in production: a kept-alive connection the server closed between two
    # requests ("connection failed" at load 11+ in CI) is retried, as the default settings do.
    monkeypatch.setenv("CURATOR_DICOMWEB_RETRIES", "2")
    monkeypatch.setenv("CURATOR_DICOMWEB_TIMEOUT", "30")
    for name, value in server.credentials_env().items():
        monkeypatch.setenv(name, value)


def _rename_sites(value, mapping: dict[str, str]):
    if isinstance(value, dict):
        return {mapping.get(k, k) if isinstance(k, str) else k: _rename_sites(v, mapping) for k, v in value.items()}
    if isinstance(value, list):
        return [_rename_sites(v, mapping) for v in value]
    if isinstance(value, str):
        return mapping.get(value, value)
    return value


# -- Orthanc integration ----------------------------------------------------------------------


@pytest.mark.external
def test_audit_over_dicomweb_equals_folder_audit(source_server, folder_report, collection, tmp_path, monkeypatch):
    _with_credentials(monkeypatch, source_server)
    assert len(source_server.instances()) == folder_report["instances"]  # the server de-duplicates SOP Instance UIDs
    result = scan_source(source_server.url, tmp_path / "web.parquet", workers=1)
    web = build_report(result.frame())
    assert result.stats.rejected == 0 and web["rejected"] == []
    assert web["instances"] == folder_report["instances"] == result.stats.indexed
    assert web["patients"] == folder_report["patients"] and web["studies"] == folder_report["studies"]
    assert [s["key"] for s in web["series"]] == [s["key"] for s in folder_report["series"]]
    # A server has no folders: sites are named from the Institution Name.  Each folder site
    # must correspond to exactly one server site.
    mapping = {f["site"]: w["site"] for f, w in zip(folder_report["series"], web["series"])}
    assert len(set(mapping.values())) == len(mapping) and all(v.startswith("inst-") for v in mapping.values())
    assert all(mapping[f["site"]] == w["site"] for f, w in zip(folder_report["series"], web["series"]))
    renamed = _rename_sites(folder_report, mapping)
    for section in ("series", "inventory", "demographics", "identifiers", "burned_in", "private_creators",
                    "missing_attributes", "segmentations"):
        assert web[section] == renamed[section], section
    # WADO-RS metadata carries no File Meta Information: only the two checks comparing it
    # with the dataset (SOP Class and Instance) are missing, nothing fails differently.
    folder_quality, web_quality = folder_report["quality"]["dimensions"], web["quality"]["dimensions"]
    assert web_quality["completeness"] == folder_quality["completeness"]
    assert web_quality["plausibility"] == folder_quality["plausibility"]
    assert web_quality["conformance"]["fail"] == folder_quality["conformance"]["fail"]
    files_with_meta = sum(1 for _, data in collection if data[128:132] == b"DICM") - (len(collection) - web["instances"])
    assert folder_quality["conformance"]["total"] - web_quality["conformance"]["total"] == 2 * files_with_meta
    # No identifier in the index or the report of a DICOMweb scan.
    frame = result.frame()
    text = json.dumps(web, sort_keys=True, default=str) + frame.to_json(default_handler=str)
    leaked = [value for value in _identifier_values() if value in text]
    assert leaked == []
    assert all(path.startswith("dicomweb~") and "." not in path for path in frame["path"])
    # A second scan reuses every row (the metadata did not change).
    again = scan_source(source_server.url, tmp_path / "web.parquet", workers=1)
    assert again.stats.reused == again.stats.indexed == web["instances"]


@pytest.mark.external
def test_dicomweb_items_read_returns_the_stored_instance(source_server, collection, monkeypatch):
    _with_credentials(monkeypatch, source_server)
    originals = {}
    for _, data in collection:
        ds = read_header_bytes(data)
        originals[key("sop", str(ds.SOPInstanceUID))] = data
    items = [i for i in open_source("dicomweb+" + source_server.url).items() if isinstance(i, Item)]
    assert len(items) == len(source_server.instances())
    assert all(i.data.startswith(JSON_MAGIC) for i in items)
    for item in items[:3]:
        assert isinstance(item, DicomWebItem)
        full = pydicom.dcmread(io.BytesIO(item.read()))
        original = pydicom.dcmread(io.BytesIO(originals[item.relpath.rsplit("~", 1)[1]]))
        assert full.SOPInstanceUID == original.SOPInstanceUID
        assert full.get("PixelData") == original.get("PixelData")
        assert full.PatientName == original.PatientName


@pytest.mark.external
def test_credentials_from_a_file_and_refusal_without_them(source_server, tmp_path, monkeypatch):
    with pytest.raises(CuratorError) as refused:
        open_source(source_server.url)
    assert "HTTP 401" in str(refused.value) and "credentials" in str(refused.value)
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"username": source_server.username, "password": "Wr0ngSecretValue"}))
    monkeypatch.setenv("CURATOR_DICOMWEB_CREDENTIALS", str(wrong))
    with pytest.raises(CuratorError) as refused:
        check_server(source_server.url)
    assert "HTTP 401" in str(refused.value) and "Wr0ngSecretValue" not in str(refused.value)
    good = tmp_path / "credentials.json"
    good.write_text(json.dumps({"username": source_server.username, "password": source_server.password}))
    monkeypatch.setenv("CURATOR_DICOMWEB_CREDENTIALS", str(good))
    check_server(source_server.url)
    assert isinstance(open_source(source_server.url), DicomWebSource)


@pytest.mark.external
def test_publish_stores_exactly_the_deidentified_instances(source_server, tmp_path, monkeypatch):
    from curator.deid.run import DeidOptions, deidentify

    out = tmp_path / "release"
    deidentify(COLLECTION, out, key=b"k" * 32, options=DeidOptions(k=1, workers=1))
    files = sorted(p for p in out.rglob("*") if p.is_file() and _is_dicom(p))
    assert len(files) > 50  # what de-identification wrote (it quarantines a few instances)
    expected = {str(pydicom.dcmread(p, stop_before_pixels=True).SOPInstanceUID) for p in files}
    with Orthanc(tmp_path / "orthanc-research") as research:
        _with_credentials(monkeypatch, research)
        journal = tmp_path / "stow.journal"
        first = store_instances(research.url, files[:5], batch_size=2, journal=journal)
        assert (first.stored, first.skipped, first.failed, first.batches) == (5, 0, [], 3)
        assert len(journal_keys(journal)) == 5
        # Resumed: the five are skipped, the rest stored, nothing twice.
        report = store_instances(research.url, files, batch_size=10, journal=journal)
        assert (report.stored, report.skipped, report.failed) == (len(files) - 5, 5, [])
        assert journal_keys(journal) == {key("sop", uid) for uid in expected}
        journal_text = journal.read_text()
        assert not any(uid in journal_text for uid in expected)
        again = store_instances(research.url, files, journal=journal)
        assert (again.stored, again.skipped, again.batches) == (0, len(files), 0)
        # The research server holds exactly the de-identified instances ...
        held = set()
        returned = []
        for orthanc_id in research.instances():
            tags = research.get(f"/instances/{orthanc_id}/simplified-tags")
            held.add(tags["SOPInstanceUID"])
        assert held == expected
        # ... and nothing identifying in what it returns (QIDO-RS and WADO-RS metadata).
        source = DicomWebSource(research.url)
        for item in source.items():
            assert isinstance(item, Item)
            returned.append(item.data.decode("utf-8"))
        returned.append(research.get_bytes("/dicom-web/studies").decode("utf-8"))
        text = "\n".join(returned)
        identifiers = _identifier_values()
        leaked = [value for value in identifiers if value in text]
        assert leaked == []
    # The check has teeth: the same reading of the source server shows identifiers.
    _with_credentials(monkeypatch, source_server)
    raw = "\n".join(i.data.decode("utf-8") for i in DicomWebSource(source_server.url).items() if isinstance(i, Item))
    assert sum(value in raw for value in identifiers) > 50


def _is_dicom(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(132)[128:132] == b"DICM"


# -- failures ---------------------------------------------------------------------------------

PLANTED_UID = "1.2.826.0.1.3680043.8.498.424242424242"
PLANTED_SECRET = "S3cretTokenValue9917"
SLOW_ANSWER = 60.0  # seconds the /slow server takes: far beyond the client's timeout, even on a loaded machine


class _Handler(BaseHTTPRequestHandler):
    """Answers by the first path segment: ``/ok``, ``/e500``, ``/e404``, ``/slow``, ``/flaky``, ``/midfail``,
    ``/token`` (needs the planted bearer token), ``/meta500`` (lists one instance, metadata fails)."""

    counts: ClassVar[dict[str, int]] = {}

    def log_message(self, *args) -> None:  # quiet
        pass

    def _json(self, status: int, body) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/dicom+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout tests)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.do_GET()

    def do_GET(self) -> None:
        mode = self.path.split("/")[1]
        _Handler.counts[mode] = _Handler.counts.get(mode, 0) + 1
        if mode == "e500":
            return self._json(500, {"error": PLANTED_UID})
        if mode == "e404":
            return self._json(404, {})
        if mode == "slow":
            time.sleep(SLOW_ANSWER)
            return self._json(200, [])
        if mode == "flaky" and _Handler.counts[mode] <= 2:
            return self._json(503, {})
        if mode == "token" and self.headers.get("Authorization") != f"Bearer {PLANTED_SECRET}":
            return self._json(401, {})
        if mode == "midfail" and "/series" in self.path:
            return self._json(500, {})
        if mode in ("meta500", "midfail"):
            if self.path.endswith("/metadata"):
                return self._json(500, {})
            uid = {"0020000D": {"vr": "UI", "Value": [PLANTED_UID + ".1"]}, "0020000E": {"vr": "UI", "Value": [PLANTED_UID + ".2"]},
                   "00080018": {"vr": "UI", "Value": [PLANTED_UID + ".3"]}}
            return self._json(200, [uid] if "offset=0" in self.path or "offset" not in self.path else [])
        return self._json(200, [])


@pytest.fixture(scope="module")
def fake_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _clean(message: str) -> None:
    assert "Traceback" not in message
    assert PLANTED_UID not in message and PLANTED_SECRET not in message


def test_server_down_is_a_clear_error():
    port = free_port()  # nothing listens there
    with pytest.raises(CuratorError) as error:
        open_source(f"http://127.0.0.1:{port}/dicom-web")
    assert "cannot reach the DICOMweb server" in str(error.value) and "connection refused" in str(error.value)


def test_cli_audit_of_a_server_that_is_down_exits_2(tmp_path):
    port = free_port()
    env = dict(os.environ, **FAST, CURATOR_DICOMWEB_PASSWORD=PLANTED_SECRET, CURATOR_DICOMWEB_USER="someone")
    done = subprocess.run([sys.executable, "-c", "import sys; from curator.cli import main; sys.exit(main())",
                           "audit", f"http://127.0.0.1:{port}/dicom-web", "--index", str(tmp_path / "i.parquet")],
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    assert "error:" in done.stderr and "cannot reach the DICOMweb server" in done.stderr
    _clean(done.stderr + done.stdout)


@pytest.mark.parametrize(("mode", "expected"), [("e500", "HTTP 500"), ("e404", "HTTP 404"), ("token", "HTTP 401")])
def test_http_errors_are_clear_errors(fake_server, mode, expected):
    with pytest.raises(CuratorError) as error:
        open_source(f"{fake_server}/{mode}/dicom-web")
    assert expected in str(error.value)
    _clean(str(error.value))


def test_bearer_token_from_the_environment(fake_server, monkeypatch):
    monkeypatch.setenv("CURATOR_DICOMWEB_TOKEN", PLANTED_SECRET)
    check_server(f"{fake_server}/token/dicom-web")


def test_slow_server_hits_the_timeout(fake_server, monkeypatch):
    monkeypatch.setenv("CURATOR_DICOMWEB_TIMEOUT", "0.5")
    started = time.monotonic()
    with pytest.raises(CuratorError) as error:
        check_server(f"{fake_server}/slow/dicom-web")
    assert "did not answer within 0.5 s" in str(error.value)
    assert time.monotonic() - started < SLOW_ANSWER / 2  # gave up on its timeout, did not wait for the answer
    _clean(str(error.value))


def test_retries_with_back_off_ride_out_unavailable_answers(fake_server, monkeypatch):
    monkeypatch.setenv("CURATOR_DICOMWEB_RETRIES", "3")
    _Handler.counts.pop("flaky", None)
    check_server(f"{fake_server}/flaky/dicom-web")
    assert _Handler.counts["flaky"] == 3  # two 503 answers, then success


def test_metadata_errors_reject_each_listed_instance(fake_server, tmp_path):
    result = scan_source(f"{fake_server}/meta500/dicom-web", tmp_path / "i.parquet", workers=1)
    assert (result.stats.seen, result.stats.rejected) == (1, 1)
    frame = result.frame()
    assert list(frame["reason"]) == ["metadata not returned by the server (HTTP 500)"]
    _clean(frame.to_json())


def test_a_listing_that_fails_midway_leaves_the_previous_index(fake_server, tmp_path):
    index = tmp_path / "i.parquet"
    scan_source(f"{fake_server}/meta500/dicom-web", index, workers=1)
    before = index.read_bytes()
    with pytest.raises(CuratorError) as error:
        scan_source(f"{fake_server}/midfail/dicom-web", index, workers=1)
    assert "HTTP 500 while listing series" in str(error.value)
    _clean(str(error.value))
    assert index.read_bytes() == before


def test_store_to_a_failing_server_is_a_clear_error(fake_server, tmp_path, collection):
    files = []
    for index, (_, data) in enumerate(collection[:2]):
        path = tmp_path / f"{index}.dcm"
        path.write_bytes(data)
        files.append(path)
    with pytest.raises(CuratorError) as error:
        store_instances(f"{fake_server}/e500/dicom-web", files, journal=tmp_path / "j")
    _clean(str(error.value))
    port = free_port()
    with pytest.raises(CuratorError) as error:
        store_instances(f"http://127.0.0.1:{port}/dicom-web", files, journal=tmp_path / "j")
    assert "cannot reach" in str(error.value)


def test_urls_with_credentials_or_study_paths_are_refused():
    with pytest.raises(CuratorError) as error:
        open_source(f"https://user:{PLANTED_SECRET}@pacs.example/dicom-web")
    _clean(str(error.value))
    with pytest.raises(CuratorError):
        open_source(f"https://pacs.example/dicom-web/studies/{PLANTED_UID}")


def test_header_reader_parses_dicom_json_and_rejects_bad_json():
    from curator.sources.dicomweb import metadata_payload

    meta = {"00080016": {"vr": "UI", "Value": ["1.2.840.10008.5.1.4.1.1.2"]}, "00080018": {"vr": "UI", "Value": [PLANTED_UID]},
            "00080060": {"vr": "CS", "Value": ["CT"]}, "7FE00010": {"vr": "OW", "BulkDataURI": "http://127.0.0.1:1/bulk"},
            "00083002": {"vr": "UI", "Value": ["1.2.840.10008.1.2.1"]}}
    ds = read_header_bytes(metadata_payload(meta))
    assert ds.Modality == "CT" and ds.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1"
    assert "AvailableTransferSyntaxUID" not in ds
    with pytest.raises(HeaderError, match="malformed DICOM JSON"):
        read_header_bytes(JSON_MAGIC + b"{not json")
    with pytest.raises(HeaderError, match="SOP Class UID missing"):
        read_header_bytes(JSON_MAGIC + b'{"00080060": {"vr": "CS", "Value": ["CT"]}}')


@pytest.mark.external
def test_cli_publish_from_one_server_to_another(tmp_path, monkeypatch, collection):
    """`curator publish URL OUT --to URL2`: the second server holds exactly the released instances."""
    import subprocess
    import sys

    from curator.deid.pseudonyms import write_key

    password = secrets.token_hex(12)
    key_file = tmp_path / "k.key"
    write_key(key_file)
    config = Path(__file__).resolve().parent.parent / "examples" / "release.yaml"
    with Orthanc(tmp_path / "src", password=password) as source, Orthanc(tmp_path / "dst", password=password) as research:
        for _, data in collection:
            source.upload(data)
        env = {**os.environ, **source.credentials_env()}
        out = tmp_path / "release"
        run = subprocess.run([sys.executable, "-c", "from curator.cli import main; main()", "publish", source.url, str(out),
                              "--key", str(key_file), "--config", str(config), "--release-date", "2026-11-23", "--to", research.url],
                             capture_output=True, text=True, env=env)
        assert run.returncode == 0, run.stderr[-2000:]
        released = {str(pydicom.dcmread(p, stop_before_pixels=True).SOPInstanceUID) for p in (out / "dicom").rglob("*.dcm")}
        held = {research.get(f"/instances/{i}/simplified-tags")["SOPInstanceUID"] for i in research.instances()}
        assert released and held == released
        assert password not in run.stdout + run.stderr
