"""``curator keygen FILE``: write a new secret de-identification key (``-``: to standard output)."""
from __future__ import annotations

import sys
from pathlib import Path

import typer

from curator.cli.options import say


def register(app: typer.Typer) -> None:
    @app.command("keygen")
    def keygen(
        file: Path = typer.Argument(..., help="Where to write the key (refused if it exists); - writes it to "
                                    "standard output (`curator keygen - > FILE`: FILE gets your umask's mode, "
                                    "not 0600)."),
    ) -> None:
        """Write a new random 32-byte key (mode 0600) for `curator deid --key`."""
        from curator.cli.options import is_stdout
        from curator.deid.pseudonyms import new_key_text, write_key

        if is_stdout(file):  # the Unix convention: the key text to standard output, nothing else there
            sys.stdout.write(new_key_text())
            sys.stdout.flush()
            return
        write_key(file)
        say(f"key written to {file.name} (mode 0600); keep it secret and backed up")
