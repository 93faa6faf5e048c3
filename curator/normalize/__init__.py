"""RadLex normalization of Study and Series Descriptions (issue: normalization).

Public API (see docs/normalization.md):

* ``normalize_series(evidence, overrides=None) -> dict``
* ``normalize_study(series_results, study_evidence) -> dict | None`` and
  ``study_procedure(...) -> (value | None, reason | None)``
* ``normalize_description(text, modality=None, body_part_examined=None, level="study")``
* ``normalize_text(text, overrides=None, site=None, field="SeriesDescription") -> dict``
* ``load_overrides(paths) -> Overrides``
* ``code_sequences(result) -> dict``, ``series_codes(result) -> SeriesCodes`` (coded elements for the publish writer)
* ``review_rows(evidence) / write_review(rows, out)`` (the curation loop)
* ``study_contrast(series)``: the contrast a study's pair of the same sequence gives (audit, publish)
* ``normalize_index(frame, overrides=None)``: every series/study of a scan index (audit)
* ``summarize(rows)``: coverage per site, conflicts, unmapped descriptions (reports)
"""
from curator.normalize.dicom import SeriesCodes, code_sequences, series_codes
from curator.normalize.engine import CONFIDENT
from curator.normalize.lexicon import ATTRIBUTES, LexiconError, lexicon
from curator.normalize.overrides import Overrides, load_overrides
from curator.normalize.review import evidence_from_index, evidence_from_record, normalize_index, review_rows, write_review
from curator.normalize.summary import summarize
from curator.normalize.series import normalize_description, normalize_series, normalize_study, normalize_text, study_procedure
from curator.normalize.study import study_contrast

__all__ = [
    "ATTRIBUTES", "CONFIDENT", "LexiconError", "Overrides", "SeriesCodes", "code_sequences", "evidence_from_index", "evidence_from_record", "lexicon",
    "load_overrides", "normalize_description", "normalize_index", "normalize_series", "normalize_study", "normalize_text", "review_rows", "study_procedure",
    "series_codes", "study_contrast", "summarize", "write_review",
]
