"""``curator audit``: what is in an archive, before anything leaves the building."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Optional

import typer

from curator.cli import options
from curator.common.imports import import_pydicom
from curator.errors import CuratorError

FORMATS = ("text", "json", "html")
FAIL_ON = ("warning", "error")


def _weights(items: list[str]) -> dict[str, float]:
    from curator.analyses.audit import DIMENSIONS

    weights = {}
    for item in items:
        name, _, value = item.partition("=")
        if name not in DIMENSIONS:
            raise CuratorError(f"--weight: unknown dimension {name!r}; choose one of {', '.join(DIMENSIONS)}")
        try:
            weights[name] = float(value)
        except ValueError:
            raise CuratorError(f"--weight {item!r}: give DIMENSION=NUMBER, e.g. completeness=2") from None
        if not math.isfinite(weights[name]) or weights[name] < 0:
            raise CuratorError("--weight: weights must be finite numbers, not negative")
    return weights


def register(app: typer.Typer) -> None:
    @app.command("audit")
    def audit(
        source: str = typer.Argument(..., help="A folder or a zip/tar archive."),
        format: str = typer.Option("text", "--format", "-f", help="Report format: text, json or html."),
        out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the report to this file instead of standard "
                                           "output (-: standard output).", dir_okay=False),
        fail_on: Optional[str] = typer.Option(None, "--fail-on", help="Exit with status 1 when a finding of this severity or worse exists: warning or error."),
        weight: list[str] = typer.Option([], "--weight", help="Quality-score weight, DIMENSION=NUMBER (completeness, "
                                         "conformance, plausibility; a finite number >= 0); repeatable."),
        overrides: list[Path] = typer.Option([], "--overrides", help="Description overrides (site YAML or a "
            "corrected review CSV); repeatable. mappings/sites/*.yaml always apply.", exists=True, dir_okay=False),
        provenance: list[Path] = typer.Option([], "--provenance", help="Curator-supplied segmentation provenance "
            "(YAML); repeatable. mappings/provenance/*.yaml always apply.", exists=True, dir_okay=False),
        batch_threshold: int = typer.Option(30, "--batch-threshold", min=1, help="Flag harmonization batches with fewer series than this."),
        k: int = typer.Option(5, "--k", min=1, help="Suppress counts below k in distributions."),
        pixel_screen: bool = typer.Option(True, "--pixel-screen/--no-pixel-screen", help="Also look at the pixels "
            "of every image for burned-in text (text-like regions along the edges; reads every file in full)."),
        batches: Optional[Path] = typer.Option(None, "--batches", help="Also write the harmonization covariate "
            "table (one row per image series, for neuroCombat / neuroHarmonize) to this CSV file.", dir_okay=False),
        index: Optional[Path] = options.Index,
        workers: Optional[int] = options.Workers,
        site_from: str = options.SiteFrom,
        full_paths: bool = options.FullPaths,
        progress: Optional[bool] = options.Progress,
        scheduler: Optional[str] = options.Scheduler,
    ) -> None:
        """Report inventory, demographics completeness, identifier exposure, burned-in risk and quality of SOURCE."""
        import_pydicom()  # before any module that imports it: without its download helpers
        if format not in FORMATS:
            raise CuratorError(f"--format must be one of {', '.join(FORMATS)}")
        if fail_on is not None and fail_on not in FAIL_ON:
            raise CuratorError(f"--fail-on must be one of {', '.join(FAIL_ON)}")
        if options.is_stdout(batches):
            raise CuratorError("--batches needs a file name (- is standard output, which carries the report)")
        options.outputs_outside(source, out=out, batches=batches, index=index)
        from curator.analyses.audit import exit_status
        from curator.common.faults import writing
        from curator.analyses.pipeline import audit_settings, audit_source
        from curator.report.render import render

        settings = audit_settings(_weights(weight), overrides, provenance, batch_threshold, k)
        scan_options = options.scan_kwargs(index, workers, site_from, progress, scheduler, full_paths=full_paths)
        report = audit_source(source, settings=settings, pixel_screen=pixel_screen, **scan_options)
        text = render(report, format)
        if batches is not None:
            from curator.analyses.enrich import covariates_of
            from curator.analyses.harmonization import write_batches_csv

            with writing(batches.name):
                write_batches_csv(covariates_of(report), batches)
        options.write_output(out if out is not None else Path(options.STDOUT), text)
        raise typer.Exit(exit_status(report, fail_on))
