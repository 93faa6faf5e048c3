"""``curator validate RELEASE``: re-check a release as a repository would.

* every file against ``MANIFEST`` (missing, changed, unlisted), naming the files;
* ``catalog.ttl`` against the shipped DCAT-AP 3.0.1 and HealthDCAT-AP r8 shapes (pyshacl; a
  release published PUBLIC or RESTRICTED against HealthDCAT-AP's NON_PUBLIC level without its
  one access-rights value, :func:`curator.release.shacl.for_access`);
* every FHIR resource parsed with fhir.resources;
* every DICOM file's text read as curator reads it (:mod:`curator.dicom.textcodec`): a file whose
  bytes are not its declared character set fails (a strict reader and the leak check would read
  other words than curator);
* with the de-identification key: the key is the release's (its keyed fingerprint), and no
  folded token of any file name, text or DICOM value, nor any part of a longer word, matches
  a digest of the source's patient identifiers (``metadata/deid-report.json``); a file that
  cannot be read or an element that cannot be decoded fails the check (fail closed).

Every check that fails makes ``curator validate`` exit with status 1.
"""
from __future__ import annotations

import hmac
import json
from dataclasses import dataclass, field
from pathlib import Path

from curator.errors import CuratorError

_SHOWN = 10  # files named per problem


@dataclass
class ValidationResult:
    checks: dict[str, str] = field(default_factory=dict)  # check -> "ok" | "failed: …" | "skipped: …"

    @property
    def ok(self) -> bool:
        return not any(v.startswith("failed") for v in self.checks.values())


def _named(label: str, files: list[str]) -> str:
    """``2 changed (a, b)``: files are paths inside the release, which hold no identifiers."""
    shown = ", ".join(files[:_SHOWN]) + (", …" if len(files) > _SHOWN else "")
    return f"{len(files)} {label} ({shown})"


def validate_release(release: Path, key: bytes | None = None, fhir_version: str | None = None) -> ValidationResult:
    from curator.release.fhir_export import read_fhir_dir
    from curator.release.manifest import verify_manifest
    from curator.release.shacl import DEFAULT_PROFILES, for_access, read_catalogue, validate_graph

    if not (release / "MANIFEST").is_file():
        raise CuratorError("not a release: no MANIFEST")
    result = ValidationResult()
    check = verify_manifest(release)
    problems = [_named(label, files) for label, files in (("missing", check.missing), ("changed", check.changed),
                                                           ("not in MANIFEST", check.unlisted),
                                                           ("symbolic link, FIFO or device", check.special))
                if files]
    result.checks["checksums"] = "ok" if not problems else "failed: " + "; ".join(problems)
    result.checks["character sets"] = _character_sets(release)
    for profile in DEFAULT_PROFILES:
        try:
            catalogue = read_catalogue(release / "catalog.ttl")
            lifted = for_access(catalogue, profile)
            report = validate_graph(catalogue, profile, access_value=lifted is None)
            outcome = "ok" if report.conforms else f"failed: {len(report.violations)} violations in catalog.ttl"
            result.checks[f"shacl {profile}"] = f"{outcome} ({lifted})" if lifted else outcome
        except CuratorError as exc:
            result.checks[f"shacl {profile}"] = f"failed: {exc}"
    version = fhir_version or _fhir_version(release)
    try:
        counts = read_fhir_dir(release / "fhir", version)
        result.checks[f"fhir {version}"] = "ok (" + ", ".join(f"{n} {t}" for t, n in sorted(counts.items())) + ")"
    except CuratorError as exc:
        result.checks[f"fhir {version}"] = f"failed: {exc}"
    if key is None:
        result.checks["identifiers"] = "skipped: give --key to check the release against the source's identifier digests"
    else:
        result.checks["identifiers"] = _identifiers(release, key)
    return result


def _character_sets(release: Path) -> str:
    """Every DICOM file of the release read as curator reads text (:func:`curator.dicom.textcodec.misread`):
    a file whose text the decision reads otherwise than its declaration (UTF-8 under ``ISO_IR 100``,
    in the dataset or in an item declaring its own set) fails, named with the two readings; so does
    a DICOM file pydicom cannot read."""
    import warnings

    import pydicom

    from curator.dicom.textcodec import misread

    otherwise, unreadable = [], []
    for path in sorted(p for p in release.rglob("*") if p.is_file() and not p.is_symlink()):
        rel = path.relative_to(release).as_posix()
        try:
            with path.open("rb") as f:
                if f.read(132)[128:] != b"DICM":
                    continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # pydicom's warnings quote values
                found = misread(pydicom.dcmread(path, stop_before_pixels=True))
        except Exception:  # noqa: BLE001 - any file that cannot be read is named
            unreadable.append(rel)
            continue
        if found is not None:
            otherwise.append(f"{rel}: {found.label}")
    problems = [_named(label, files) for label, files in (("files hold text that is not their declared character set", otherwise),
                                                           ("DICOM files cannot be read", unreadable)) if files]
    return "ok" if not problems else "failed: " + "; ".join(problems)


def _identifiers(release: Path, key: bytes) -> str:
    """The outcome of the leak check (fails closed: see :mod:`curator.deid.leakcheck`)."""
    from curator.deid.leakcheck import check_release, key_fingerprint

    try:
        record = json.loads((release / "metadata" / "deid-report.json").read_text(encoding="utf-8"))
        digests = list(record["identifier_digests"])
        fingerprint = str(record["key_fingerprint"])
        lengths = list(record.get("identifier_token_lengths") or [])
    except (OSError, ValueError, KeyError, TypeError, RecursionError):  # RecursionError: JSON nested too deep
        return "failed: metadata/deid-report.json is missing, unreadable or holds no identifier digests and key fingerprint"
    if not hmac.compare_digest(fingerprint, key_fingerprint(key)):
        return "failed: this key is not the release's key (its fingerprint differs); give the key the release was published with"
    found = check_release(release, key, digests, lengths, _rendered_reports(release))
    problems = []
    if found.leaks:
        problems.append(_named("files hold a source identifier", found.leaks))
    if found.unreadable:
        problems.append(_named("files cannot be read or decoded", found.unreadable))
    return "ok" if not problems else "failed: " + "; ".join(problems)


def _rendered_reports(release: Path) -> frozenset[str]:
    """The HTML audit report when it is, byte for byte, curator's rendering of the release's
    JSON audit report (as publish writes it): its data is that file's, searched there, and the
    rest is curator's own text, whose words ("White", "Green", "Other") may be a patient's
    name.  A report that differs (edited, or written by another version) is searched whole."""
    from curator.report.render import render

    html, data = release / "metadata" / "audit-report.html", release / "metadata" / "audit-report.json"
    try:
        if html.is_symlink() or data.is_symlink() or not (html.is_file() and data.is_file()):
            return frozenset()
        same = render(json.loads(data.read_text(encoding="utf-8")), "html") == html.read_text(encoding="utf-8")
    except Exception:  # noqa: BLE001 - any report that cannot be rendered again is searched whole
        return frozenset()
    return frozenset({"metadata/audit-report.html"}) if same else frozenset()


def _fhir_version(release: Path) -> str:
    """R4B unless the bundle says R5 (R5-only ImagingStudy fields)."""
    path = release / "fhir" / "ImagingStudy.ndjson"
    text = path.read_bytes().decode("utf-8", "replace") if path.is_file() else ""  # not UTF-8: the FHIR check says so
    return "R5" if '"modality":[{"coding"' in text.replace(" ", "") else "R4B"
