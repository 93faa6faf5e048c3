"""``curator mappings``: the curation loop of description normalization.

``curator mappings review SOURCE --out review.csv [--overrides FILE]`` lists every distinct
Study/Series Description and Protocol Name of SOURCE with the normalizer's proposal; the
curator edits it and loads it back with ``--overrides`` (see docs/normalization.md)."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from curator.cli import options


def register(app: typer.Typer) -> None:
    mappings = typer.Typer(name="mappings", help="Review and curate the RadLex normalization of descriptions.", no_args_is_help=True)

    @mappings.command("review")
    def review(
        source: str = typer.Argument(..., help="A folder or a zip/tar archive (its headers are scanned into the index)."),
        out: Path = typer.Option(..., "--out", "-o", help="Review CSV to write; - for standard output.", dir_okay=False),
        overrides: Optional[List[Path]] = typer.Option(None, "--overrides", help="Site override YAML or a reviewed CSV (repeatable); applied first."),
        index: Optional[Path] = options.Index,
        workers: Optional[int] = options.Workers,
        site_from: str = options.SiteFrom,
        full_paths: bool = options.FullPaths,
        progress: Optional[bool] = options.Progress,
    ) -> None:
        """Write one row per distinct description with its proposal, for a curator to confirm or correct."""
        from curator.normalize import evidence_from_index, load_overrides, review_rows, write_review
        from curator.index.scan import scan_source

        options.outputs_outside(source, out=out, index=index)
        table = load_overrides(overrides) if overrides else None
        frame = scan_source(source, **options.scan_kwargs(index, workers, site_from, progress, full_paths=full_paths)).frame()
        rows = review_rows(evidence_from_index(frame), table)
        options.write_output(out, write_review(rows))
        options.summary(out, f"{len(rows)} distinct descriptions written to {{out}}")

    app.add_typer(mappings, name="mappings")
