"""``curator validate RELEASE``: re-check checksums, catalogue, FHIR and identifiers."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from curator.cli.options import say


def register(app: typer.Typer) -> None:
    @app.command("validate")
    def validate(
        release: Path = typer.Argument(..., help="A release folder written by `curator publish`."),
        key: Optional[Path] = typer.Option(None, "--key", help="The release's key file: also prove no source identifier is in the release."),
    ) -> None:
        """Re-check a release: MANIFEST checksums, character sets, SHACL (DCAT-AP, HealthDCAT-AP), FHIR, identifiers."""
        from curator.deid.pseudonyms import read_key
        from curator.errors import CuratorError, ExitCode
        from curator.release.validate import validate_release

        if not release.is_dir():
            found = "is not a folder" if release.exists() else "not found"
            raise CuratorError(f"release folder {found}: {release.name}")
        result = validate_release(release, read_key(key) if key else None)
        for name, outcome in result.checks.items():
            for line in f"{name}: {outcome}".splitlines():  # a check may report on several lines
                say(line)
        raise typer.Exit(ExitCode.OK if result.ok else ExitCode.CHECKS_FAILED)
