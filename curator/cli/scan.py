"""``curator scan``: build or refresh the index of a source."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from curator.cli import options
from curator.common.imports import import_pydicom


def register(app: typer.Typer) -> None:
    @app.command("scan")
    def scan(
        source: str = typer.Argument(..., help="A folder or a zip/tar archive."),
        index: Optional[Path] = options.Index,
        workers: Optional[int] = options.Workers,
        site_from: str = options.SiteFrom,
        full_paths: bool = options.FullPaths,
        progress: Optional[bool] = options.Progress,
        scheduler: Optional[str] = options.Scheduler,
    ) -> None:
        """Read every header of SOURCE (not the pixels) into the index; unchanged files are reused."""
        import_pydicom()  # before any module that imports it: without its download helpers
        from curator.index.scan import scan_source

        options.outputs_outside(source, index=index)
        result = scan_source(source, **options.scan_kwargs(index, workers, site_from, progress, scheduler, full_paths=full_paths))
        s = result.stats
        options.say(f"{s.seen} files: {s.indexed} indexed ({s.reused} unchanged since the last scan), {s.rejected} rejected")
        for reason, count in sorted(s.reasons.items()):
            options.say(f"  rejected, {reason}: {count}")
        options.say(f"index: {result.index_path}")
