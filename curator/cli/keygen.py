"""``curator keygen FILE``: write a new secret de-identification key."""
from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command("keygen")
    def keygen(
        file: Path = typer.Argument(..., help="Where to write the key (refused if it exists)."),
    ) -> None:
        """Write a new random 32-byte key (mode 0600) for `curator deid --key`."""
        from curator.deid.pseudonyms import write_key

        write_key(file)
        typer.echo(f"key written to {file.name} (mode 0600); keep it secret and backed up")
