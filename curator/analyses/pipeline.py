"""The steps of the main jobs chained together (the CLI calls these)."""
from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from curator.analyses.audit import AUDIT_COLUMNS, AuditSettings, build_report
from curator.resources import mappings_dir
from curator.index.scan import scan_source


def audit_settings(
    weights: Mapping[str, float] | None = None,
    overrides: Sequence[Path] = (),
    provenance: Sequence[Path] = (),
    batch_threshold: int = 30,
    k: int = 5,
) -> AuditSettings:
    """Settings with the shipped site overrides and provenance files plus the given ones."""
    from curator.normalize import load_overrides
    from curator.analyses.segmentation import load_provenance

    site_files = sorted((mappings_dir() / "sites").glob("*.yaml"))
    provenance_files = sorted((mappings_dir() / "provenance").glob("*.yaml"))
    return AuditSettings(
        weights=weights,
        overrides=load_overrides([*site_files, *overrides]),
        provenance=load_provenance([*provenance_files, *provenance]) if (provenance_files or provenance) else None,
        batch_threshold=batch_threshold,
        k=k,
    )


def audit_source(source: str | os.PathLike[str], settings: AuditSettings | None = None, pixel_screen: bool = True,
                 **scan_options: Any) -> dict[str, Any]:
    """Scan ``source`` (reusing its index) and return its audit report; ``pixel_screen``
    also looks at the pixels of every image for burned-in text (:mod:`curator.deid.pixel_screen`)."""
    if pixel_screen:
        from curator.deid.pixels import pixel_limit

        pixel_limit()  # a bad $CURATOR_MAX_PIXELS is a usage error before the scan
    result = scan_source(source, **scan_options)
    screen = None
    if pixel_screen:
        from curator.deid.pixel_screen import screen_source

        screen = screen_source(source, scan_options.get("workers"), scan_options.get("scheduler"))
    return build_report(result.table(AUDIT_COLUMNS), settings=settings or audit_settings(), pixel_screen=screen)
