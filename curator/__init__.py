"""curator: turn multi-site DICOM archives into de-identified, normalized, FAIR releases."""

__version__ = "0.1.0"
