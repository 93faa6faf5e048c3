"""``curator normalize INPUT.csv --out FILE``: RadLex codes for a list of descriptions (no DICOM files)."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer


def register(app: typer.Typer) -> None:
    @app.command("normalize")
    def normalize(
        input_csv: Path = typer.Argument(..., help="CSV with a 'description' column; optional 'modality', 'body_part_examined', "
                                        "'level' (study|series), 'study_description' (a series row's study), 'study' (series rows of one study: "
                                        "read together for their contrast; never written)."),
        out: Path = typer.Option(..., "--out", "-o", help="File to write (CSV or JSON, see --format); - for standard output.", dir_okay=False),
        fmt: Optional[str] = typer.Option(None, "--format", help="csv or json (default: from the --out suffix, else csv)."),
        overrides: Optional[List[Path]] = typer.Option(None, "--overrides", help="Site override YAML or a reviewed CSV (repeatable); applied first."),
        site: Optional[str] = typer.Option(None, "--site", help="Site name whose overrides apply (default: overrides for every site, '*')."),
        encoding: str = typer.Option("utf-8", "--encoding",
                                     help="Text encoding of INPUT_CSV, e.g. cp1252 or latin-1 for Excel exports (utf-8 accepts a byte-order mark)."),
        delimiter: str = typer.Option("auto", "--delimiter",
                                      help="Cell separator: comma, semicolon, tab, or auto (the one that gives a 'description' column in the header line)."),
    ) -> None:
        """Map each description (with its optional header values) to RadLex: code, label, confidence and source per attribute."""
        from curator.normalize import load_overrides
        from curator.normalize.batch import normalize_rows, read_descriptions, render_results

        chosen = (fmt or ("json" if out.suffix.lower() == ".json" else "csv")).lower()
        rows = read_descriptions(input_csv, encoding, delimiter)
        if chosen not in ("csv", "json"):
            from curator.errors import CuratorError

            raise CuratorError("--format must be csv or json")
        table = load_overrides(overrides) if overrides else None
        results = normalize_rows(rows, table, site)
        from curator.cli.options import summary, write_output

        write_output(out, render_results(results, chosen))
        answered = sum(1 for r in results if r["body_region"] or r["modality"])
        summary(out, f"{len(results)} descriptions normalized ({answered} with a modality or body region) -> {{out}}")
