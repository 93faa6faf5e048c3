"""``curator validate RELEASE``: re-check a release as a repository would.

* every file against ``MANIFEST`` (missing, changed, unlisted);
* ``catalog.ttl`` against the shipped DCAT-AP 3.0.1 and HealthDCAT-AP r8 shapes (pyshacl);
* every FHIR resource parsed with fhir.resources;
* with the de-identification key: no token of any file name, text or DICOM string value
  matches a digest of the source's patient identifiers (``metadata/deid-report.json``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from curator.errors import CuratorError


@dataclass
class ValidationResult:
    checks: dict[str, str] = field(default_factory=dict)  # check -> "ok" | "failed: …" | "skipped: …"

    @property
    def ok(self) -> bool:
        return not any(v.startswith("failed") for v in self.checks.values())


def validate_release(release: Path, key: bytes | None = None, fhir_version: str | None = None) -> ValidationResult:
    from curator.fhir_export import read_fhir_dir
    from curator.leakcheck import find_leaks
    from curator.manifest import verify_manifest
    from curator.shacl import DEFAULT_PROFILES, validate_file

    if not (release / "MANIFEST").is_file():
        raise CuratorError("not a release: no MANIFEST")
    result = ValidationResult()
    check = verify_manifest(release)
    problems = [f"{len(check.missing)} missing", f"{len(check.changed)} changed", f"{len(check.unlisted)} unlisted"]
    result.checks["checksums"] = "ok" if not (check.missing or check.changed or check.unlisted) else "failed: " + ", ".join(problems)
    for profile in DEFAULT_PROFILES:
        report = validate_file(release / "catalog.ttl", profile)
        result.checks[f"shacl {profile}"] = "ok" if report.conforms else f"failed: {len(report.violations)} violations"
    version = fhir_version or _fhir_version(release)
    try:
        counts = read_fhir_dir(release / "fhir", version)
        result.checks[f"fhir {version}"] = "ok (" + ", ".join(f"{n} {t}" for t, n in sorted(counts.items())) + ")"
    except CuratorError as exc:
        result.checks[f"fhir {version}"] = f"failed: {exc}"
    if key is None:
        result.checks["identifiers"] = "skipped: give --key to check the release against the source's identifier digests"
    else:
        digests = json.loads((release / "metadata" / "deid-report.json").read_text(encoding="utf-8")).get("identifier_digests", [])
        leaks = find_leaks(release, key, digests)
        result.checks["identifiers"] = "ok" if not leaks else f"failed: {len(leaks)} files hold a source identifier: " + ", ".join(leaks[:10])
    return result


def _fhir_version(release: Path) -> str:
    """R4B unless the bundle says R5 (R5-only ImagingStudy fields)."""
    text = (release / "fhir" / "ImagingStudy.ndjson").read_text(encoding="utf-8") if (release / "fhir" / "ImagingStudy.ndjson").exists() else ""
    return "R5" if '"modality":[{"coding"' in text.replace(" ", "") else "R4B"
