"""Options shared by several commands (one definition, one help text)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

Index = typer.Option(None, "--index", help="Index file (Parquet) to create or reuse (an existing file that is not a curator "
                     "index is refused). Default: a cache file per source under $CURATOR_CACHE, "
                     "$XDG_CACHE_HOME/curator or ~/.cache/curator.", dir_okay=False)
Workers = typer.Option(None, "--workers", "-w", min=1, help="Worker processes reading headers. Default: all cores; at most 4 per core (at least 32).")
SiteFrom = typer.Option("folder", "--site-from", help="Site label: 'folder' (top folder of the source) or 'institution' (Institution Name as written).")
FullPaths = typer.Option(False, "--full-paths", help="Show source paths and top-folder site labels in the index and the "
    "report with only the patients' identifier values removed. Default: every word of a path that is not a known safe "
    "word shows as ~ (a folder may be named after a person whom no readable header names).")
Progress = typer.Option(None, "--progress/--no-progress", help="Show a progress bar. Default: only on a terminal.")
Scheduler = typer.Option(None, "--scheduler", envvar="CURATOR_SCHEDULER", help="Dask scheduler address "
    "(tcp://HOST:PORT) to run on a cluster; the source must be reachable from the workers by the same path. "
    "Default: local worker processes.")


STDOUT = "-"  # the Unix convention: an output file named - is standard output


def is_stdout(path: Optional[Path]) -> bool:
    """Whether the output file the user named is ``-`` (standard output)."""
    return path is not None and str(path) == STDOUT


def write_output(path: Path, text: str) -> None:
    """``text`` to the file the user named (whole or not at all: a full disk leaves no cut
    file under its name, :func:`curator.common.faults.write_whole`), or to standard output
    for ``-``."""
    from curator.common.faults import write_whole, writing

    if is_stdout(path):
        typer.echo(text, nl=False)
        return
    with writing(path.name):
        write_whole(path, text.encode("utf-8"))


def outputs_outside(source: str, **outputs: Optional[Path]) -> None:
    """Refuse, before any work, an output file (``--index``, ``--out``, ``--batches``: the
    keyword names the option) inside a local SOURCE (curator never writes into a source; the
    next scan would also list the file) and two options naming one file (the second would
    overwrite the first)."""
    from curator.errors import CuratorError
    from curator.sources.base import is_inside, source_kind

    named = {f"--{option}": path for option, path in outputs.items() if path is not None and not is_stdout(path)}
    if source_kind(source) == "path" and Path(source).is_dir():
        for option, path in named.items():
            if is_inside(path, Path(source)):
                raise CuratorError(f"{option} is inside SOURCE: curator never writes into a source; choose a file outside it")
    seen: dict[Path, str] = {}
    for option, path in named.items():
        resolved = path.resolve()
        if resolved in seen:
            raise CuratorError(f"{seen[resolved]} and {option} name the same file; give each its own")
        seen[resolved] = option


def say(text: str, err: bool = False) -> None:
    """One line of a command's summary, its control characters and undecodable bytes escaped
    (:func:`curator.common.visible.visible`): a path the user named (OUT, ``--index``, the key
    file) may hold a line break, a terminal escape sequence or bytes that are not UTF-8."""
    from curator.common.visible import visible

    typer.echo(visible(text), err=err)


def summary(path: Path, text: str) -> None:
    """A command's summary line naming the output ``path`` (``{out}`` in ``text``): on
    standard error when the output itself goes to standard output (``-``)."""
    say(text.replace("{out}", "standard output" if is_stdout(path) else path.name), err=is_stdout(path))


def scan_kwargs(index: Optional[Path], workers: Optional[int], site_from: str, progress: Optional[bool], scheduler: Optional[str] = None,
                full_paths: bool = False) -> dict:
    return {"index_path": index, "workers": workers, "site_rule": site_from, "progress": progress, "scheduler": scheduler,
            "full_paths": full_paths}
