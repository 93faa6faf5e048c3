"""``curator deid SOURCE OUT``: layered de-identification into a pseudonymous tree."""
from __future__ import annotations

from pathlib import Path

import typer

from curator.cli.options import say

from curator.cli import options
from curator.common.imports import gc_paused, import_pydicom
from curator.errors import ExitCode


def register(app: typer.Typer) -> None:
    @app.command("deid")
    def deid(
        source: str = typer.Argument(..., help="Folder, zip/tar archive or DICOMweb URL of the DICOM files (never modified)."),
        out: Path = typer.Argument(..., help="Output folder (must be empty or new, and outside SOURCE)."),
        profile: str = typer.Option("research", "--profile", help="Profile name in mappings/deid/ (research, strict) or a profile YAML file."),
        key: Path = typer.Option(..., "--key", help="Key file written by `curator keygen`."),
        workers: int | None = typer.Option(None, "--workers", "-w", min=1, help="Worker processes (default: all cores; at most 4 per core, at least 32)."),
        k: int = typer.Option(5, "--k", min=1, help="k of k-anonymity over age, sex, ethnic group, size, weight and site."),
        access: str = typer.Option("non-public", "--access", help="Access tier: non-public or restricted "
            "(k-anonymity measured and reported), public (enforced with the least loss; sites of fewer than --k "
            "patients merged into 'other sites'; refused, exit 2, only when all sites together hold fewer)."),
        max_suppression: float | None = typer.Option(None, "--max-suppression", min=0.0, max=1.0, help="Public tier: "
            "largest share of records whose quasi-identifiers may be suppressed (default 0.05)."),
        quarantine: Path | None = typer.Option(None, "--quarantine", help="Folder for instances at risk of "
            "burned-in text (header flag, pixel screen, or text left after cleaning; header de-identified, pixels "
            "untouched)."),
        clean_pixels: bool = typer.Option(False, "--clean-pixels", help="Look at every image: black out the regions "
            "a text detector finds (tight boxes), check again, and quarantine what still looks like text."),
        recipe: Path | None = typer.Option(None, "--recipe", help="User recipe in the pydicom/deid format, applied on top of the profile."),
        force: bool = typer.Option(False, "--force", help="Write into a non-empty OUT (never beside a run made with another key or other settings)."),
        site_from: str = options.SiteFrom,
        scheduler: str | None = options.Scheduler,
        to: str | None = typer.Option(None, "--to", help="Also store the de-identified instances to this DICOMweb server "
                                      "(STOW-RS, resumable; reachability and credentials checked before any work)."),
    ) -> None:
        """De-identify SOURCE into OUT and write OUT/deid-report.json."""
        with gc_paused():  # what is imported lives as long as the command
            import_pydicom()  # before any module that imports it: without its download helpers
            from curator.deid.kanon import Access
            from curator.deid.pseudonyms import read_key
            from curator.deid.run import REPORT_NAME, DeidOptions, deidentify

        key_bytes = read_key(key)
        if to:  # before any work: an unreachable or refusing server fails now, not after the run
            from curator.sources.dicomweb import check_destination

            check_destination(to)
        options = DeidOptions(profile=profile, recipe=recipe, k=k, access=Access(access, max_suppression), workers=workers,
                              scheduler=scheduler, quarantine=quarantine, clean_pixels=clean_pixels, force=force,
                              site_from=site_from)
        report = deidentify(source, out, key_bytes, options)
        counts = report["counts"]
        kan = report["k_anonymity"]
        say(
            f"{counts['written']} written, {counts['quarantined']} quarantined, {counts['rejected']} rejected "
            f"of {counts['items']} items; {counts['patients']} patients"
        )
        if kan.get("applied"):
            from curator.deid.kanon import summary_line

            say(summary_line(kan))
        elif kan.get("site_generalization", {}).get("sites_merged"):  # public, a profile without demographics
            from curator.deid.kanon import sites_text

            say(f"access public: {sites_text(kan)}")
        say(f"report: {Path(out) / REPORT_NAME}")
        if not counts["written"] and not counts["quarantined"]:  # as publish: an empty OUT is never a success
            from curator.errors import CuratorError

            if not counts["items"]:
                raise CuratorError("nothing de-identified: the source holds no file")
            raise CuratorError(f"nothing de-identified: the source has no readable DICOM instance ({counts['rejected']} "
                               f"of {counts['items']} items rejected; the reasons are in {REPORT_NAME})")
        if to:
            from curator.sources.dicomweb import store_tree

            stored = store_tree(to, Path(out), Path(out).with_name(f".{Path(out).name}.stow-journal"))
            say(f"stored to the server: {stored.stored} (already there: {stored.skipped}, failed: {len(stored.failed)})")
            if stored.failed:
                raise typer.Exit(ExitCode.CHECKS_FAILED)
