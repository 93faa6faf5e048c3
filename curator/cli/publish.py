"""``curator publish SOURCE OUT``: a de-identified, normalized, FAIR release."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from curator.cli import options
from curator.common.imports import gc_paused, import_pydicom
from curator.errors import ExitCode


def register(app: typer.Typer) -> None:
    @app.command("publish")
    def publish(
        source: str = typer.Argument(..., help="Folder, zip/tar archive or DICOMweb URL of the DICOM files (never modified)."),
        out: Path = typer.Argument(..., help="Release folder to create (outside SOURCE)."),
        key: Path = typer.Option(..., "--key", help="Key file written by `curator keygen`."),
        config: Path = typer.Option(..., "--config", help="release.yaml: titles, publisher, licence… (see examples/release.yaml)."),
        profile: str = typer.Option("research", "--profile", help="De-identification profile (research, strict) or a profile YAML file."),
        k: int = typer.Option(5, "--k", min=1, help="k of k-anonymity; catalogue counts below k are suppressed."),
        fhir_version: str = typer.Option("R4", "--fhir-version", help="FHIR version of fhir/: R4 (R4B models) or R5."),
        release_id: Optional[str] = typer.Option(None, "--release-id", help="Release identifier (a slug) used in "
            "the catalogue IRIs. Default: from the title and version."),
        release_date: Optional[str] = typer.Option(None, "--release-date", help="Release date YYYY-MM-DD (FHIR "
            "Provenance). Default: the day of the first run."),
        overrides: list[Path] = typer.Option([], "--overrides", help="Description overrides (site YAML or reviewed "
            "CSV); repeatable.", exists=True, dir_okay=False),
        provenance: list[Path] = typer.Option([], "--provenance", help="Curator-supplied segmentation provenance "
            "(YAML); repeatable.", exists=True, dir_okay=False),
        batch_threshold: int = typer.Option(30, "--batch-threshold", min=1, help="Flag harmonization batches with fewer series than this."),
        dicomweb_url: Optional[str] = typer.Option(None, "--dicomweb-url", help="DICOMweb endpoint serving the release (adds a DataService to the catalogue)."),
        workers: Optional[int] = options.Workers,
        scheduler: Optional[str] = options.Scheduler,
        site_from: str = options.SiteFrom,
        force: bool = typer.Option(False, "--force", help="Replace an existing curator release at OUT "
                                   "(a folder with its MANIFEST and nothing else; never another folder or a file)."),
        to: Optional[str] = typer.Option(None, "--to", help="Also store the released instances to this DICOMweb server "
                                      "(STOW-RS, resumable; reachability and credentials checked before any work)."),
    ) -> None:
        """Scan, audit, normalize, de-identify SOURCE and write a FAIR release to OUT."""
        with gc_paused():  # what is imported lives as long as the command
            import_pydicom()  # before any module that imports it: without its download helpers
            from curator.deid.pseudonyms import read_key
            from curator.errors import CuratorError
            from curator.release.publish import PublishOptions, publish as run

        versions = {"R4": "R4B", "R4B": "R4B", "R5": "R5"}
        if fhir_version not in versions:
            raise CuratorError("--fhir-version must be R4 or R5")
        opts = PublishOptions(
            profile=profile, k=k, fhir_version=versions[fhir_version], workers=workers, site_from=site_from,
            overrides=tuple(overrides), provenance=tuple(provenance), batch_threshold=batch_threshold,
            release_id=release_id, release_date=release_date, dicomweb_url=dicomweb_url, scheduler=scheduler,
        )
        key_bytes = read_key(key)
        if to:  # before any work: an unreachable or refusing server fails now, not after the run
            from curator.sources.dicomweb import check_destination

            check_destination(to)
        summary = run(source, out, key_bytes, config, opts, force=force)
        options.say(f"release {summary['release_id']}: {summary['instances']} instances, {summary['series']} series, "
                   f"{summary['studies']} studies, {summary['individuals']} individuals")
        options.say(f"  quarantined {summary['quarantined']}, rejected {summary['rejected']} (see metadata/deid-report.json)")
        kan = summary["k_anonymity"]
        if kan.get("applied"):
            from curator.deid.kanon import summary_line

            options.say(f"  {summary_line(kan)} (see metadata/deid-report.json)")
        options.say(f"written to {out}")
        if to:
            from curator.sources.dicomweb import store_tree

            stored = store_tree(to, out / "dicom", out.with_name(f".{out.name}.stow-journal"))
            options.say(f"stored to the server: {stored.stored} (already there: {stored.skipped}, failed: {len(stored.failed)})")
            if stored.failed:
                raise typer.Exit(ExitCode.CHECKS_FAILED)
