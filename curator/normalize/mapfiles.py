"""The shape of the description mapping files (``mappings/descriptions/*.yaml``).

A site may add terms to these files; a malformed entry (a ``codes:`` key where a concept
has ``code:``, a missing key, a list where a word is expected) is refused when the lexicon
is compiled, with the one error form of the files a person writes
(:mod:`curator.common.userfile`): ``body_region.yaml: concepts[3].code: is required``.
The models check the shape only; what the codes mean (a RID of the shipped RadLex subset, a
phrase with two meanings) is checked by :func:`curator.normalize.lexicon.compile_lexicon`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional, Union

import yaml

from curator.common import userfile
from curator.common.userfile import UserModel
from curator.errors import CuratorError
from curator.resources import load_yaml


class LexiconError(CuratorError, ValueError):
    """The description mapping files are malformed or inconsistent (a missing key, a
    duplicate phrase with two meanings, a RID missing from the RadLex subset...).  Raised
    when the lexicon is compiled; the CLI prints ``error: <file>: <field>: <reason>``, exit 2."""

Words = list[str]
ByLanguage = dict[str, Words]


class ImpliedTerms(UserModel):
    """Terms that name a concept and imply another value (``CTA``: CT, with IV contrast)."""

    implies: dict[str, str]
    terms: Words


class ConceptEntry(UserModel):
    """One value of a value file: a RadLex code, its terms per language, header values."""

    code: str
    header: Optional[Words] = None
    compatible: Optional[Words] = None
    region: Optional[str] = None
    focus: bool = False
    focus_optional: bool = False
    within: Optional[Words] = None
    supersedes: Optional[Words] = None
    filed_under: Optional[Words] = None
    filed_under_modalities: Optional[Words] = None
    implies: Optional[dict[str, str]] = None
    terms: Optional[ByLanguage] = None
    implied_terms: Optional[list[ImpliedTerms]] = None


class Combination(UserModel):
    """Several codes named by one phrase or header value (``TAP``: thorax, abdomen, pelvis)."""

    codes: Words
    header: Optional[Words] = None
    terms: Optional[ByLanguage] = None


class StudyPairs(UserModel):
    """``contrast.yaml`` ``study_pairs``: the same sequence twice in a study, once marked post-contrast."""

    confidence: float
    weighting_confidence: Optional[float] = None
    post_markers: Optional[Words] = None


class ValueFile(UserModel):
    """``modality.yaml``, ``body_region.yaml``, ``contrast.yaml``, ``weighting.yaml``,
    ``plane.yaml``, ``laterality.yaml``."""

    attribute: str
    concepts: list[ConceptEntry]
    combinations: Optional[list[Combination]] = None
    implies_modality: Optional[str] = None
    plurals: Optional[Words] = None
    # [ending, plural ending]: the plural ending null means "no plural"
    plural_endings: Optional[dict[str, list[tuple[str, Optional[str]]]]] = None
    # [pattern, replacement]: the other spelling of a language's terms (German Latin c for k, z)
    spelling_variants: Optional[dict[str, list[tuple[str, str]]]] = None
    # [ending, [replacements]]: the other case of each word of a language's multi-word terms (Polish genitive)
    phrase_cases: Optional[dict[str, list[tuple[str, list[str]]]]] = None
    non_image_header: Optional[Words] = None
    agent_negations: Optional[Words] = None
    study_pairs: Optional[StudyPairs] = None
    header_rules: Optional[list[dict[str, Any]]] = None  # checked by sequence.load_rules


class WordGroup(UserModel):
    words: Optional[Words] = None
    patterns: Optional[Words] = None


class FinalWord(UserModel):
    attribute: str
    code: str


class AfterAbbreviation(UserModel):
    words: Optional[dict[str, Union[str, Words]]] = None
    after: Optional[Words] = None
    only_after: Optional[dict[str, Words]] = None   # a word read only after these (not the shared list)


class SpineLevels(UserModel):
    words: Optional[dict[str, str]] = None
    after: Optional[Words] = None
    before: Optional[Words] = None        # spine exam words a level word names the level of from before ("thoracic myelogram")
    before_window: Optional[int] = None   # how many words after the level word such an exam word may stand


class VesselWords(UserModel):
    words: Words                        # bare vessel words ("arterial", "venosa"): the vessels, not a contrast phase ...
    modalities: Words                   # ... in an exam of these modalities (text or header) ...
    needs: str                          # ... with a word of this context (other than `words`) ...
    exams: Optional[Words] = None       # ... or beside one of these exam words (MR angiography / venography)
    always: Optional[Words] = None      # ... or in an exam of these modalities whatever else it says (NM: no contrast phase)


class SpineLevelLists(UserModel):
    levels: list[tuple[str, Words]]   # [phrase, [list items]] in the order of the column
    separators: Words
    spine_words: Words


class ContextSection(UserModel):
    """``vocabulary.yaml`` ``context``: the reading rules' word lists."""

    needs: Optional[dict[str, WordGroup]] = None
    reason_prefixes: Optional[Words] = None
    element_words: Optional[Words] = None
    indication_words: Optional[Words] = None
    indication_links: Optional[Words] = None
    oncology_region: Optional[str] = None
    fields_of_view: Optional[Words] = None
    window_regions: Optional[Words] = None   # regions a CT series' reconstruction window is named after
    everywhere: Optional[Words] = None       # structures found in every region (lymph nodes)
    part_of: Optional[dict[str, Words]] = None   # a region word naming a part of these ("femur neck")
    part_links: Optional[Words] = None           # words between the part and its whole ("neck of the femur")
    final_words: Optional[dict[str, FinalWord]] = None
    final_words_unless: Optional[Words] = None
    after_abbreviation: Optional[AfterAbbreviation] = None
    spine_levels: Optional[SpineLevels] = None
    spine_level_lists: Optional[SpineLevelLists] = None
    vessel_words: Optional[VesselWords] = None
    alternative_markers: Optional[Words] = None
    alternative_window: Optional[int] = None
    condition_words: Optional[Words] = None
    exclusion_markers: Optional[Words] = None
    exclusion_window: Optional[int] = None
    fetal_regions: Optional[Words] = None
    fetal_words: Optional[Words] = None
    not_in_language: Optional[ByLanguage] = None
    only_in_language: Optional[ByLanguage] = None
    whole_words: Optional[ByLanguage] = None
    language_words: Optional[ByLanguage] = None
    deep_languages: Optional[Words] = None
    glued_languages: Optional[Words] = None
    half_prefixes: Optional[Words] = None
    inflections: Optional[dict[str, Union[Words, dict[str, str]]]] = None   # endings dropped, or ending -> replacement
    side_abbreviations: Optional[dict[str, dict[str, str]]] = None   # language -> abbreviation -> laterality RID
    one_volume_groups: Optional[list[Words]] = None
    region_groups: Optional[ByLanguage] = None  # group name -> RIDs
    adjacent_groups: Optional[list[Words]] = None


class ImpliedGroup(UserModel):
    implies: dict[str, str]
    terms: Words
    needs: Optional[str] = None
    # given below the threshold (a cue some exams of another region share); a list: only these
    # attributes ("T1 FLAIR": the weighting, not the modality)
    weak: Optional[Union[bool, list[str]]] = None


class KernelRegion(UserModel):
    implies: dict[str, str]
    patterns: Words


class FlagGroup(UserModel):
    reason: Optional[str] = None
    implies: Optional[dict[str, str]] = None
    terms: Optional[Words] = None


class T1Context(UserModel):
    reason: Optional[str] = None
    terms: Optional[dict[str, str]] = None


class ValuePattern(UserModel):
    attribute: str
    code: str
    patterns: Words
    number_prefixes: Optional[Words] = None


class ProcedureModifiers(UserModel):
    words: Optional[Words] = None
    prefixes: Optional[Words] = None


class VocabularyFile(UserModel):
    """``vocabulary.yaml``: implied values, context rules, exclusions, neutral and ambiguous words."""

    implied: Optional[list[ImpliedGroup]] = None
    kernel_regions: Optional[list[KernelRegion]] = None
    context: Optional[ContextSection] = None
    derived_map: Optional[FlagGroup] = None
    no_term: Optional[FlagGroup] = None
    t1_context: Optional[T1Context] = None
    value_patterns: Optional[list[ValuePattern]] = None
    ct_kernel_patterns: Optional[Words] = None
    exclude: Optional[ByLanguage] = None  # kind -> words
    exclude_own_region: Optional[dict[str, float]] = None  # kind -> confidence of the region its own name states
    neutral: Optional[Words] = None
    ambiguous: Optional[dict[str, str]] = None
    procedure_modifiers: Optional[ProcedureModifiers] = None


class DicomCodesFile(UserModel):
    """``dicom-codes.yaml``: which codes a series' DICOM carries, and where."""

    series_description_code: Words
    anatomic_region_sop_classes: dict[str, str]
    laterality_values: dict[str, str]
    laterality_sop_classes: dict[str, str]


MODELS: dict[str, type[UserModel]] = {
    "vocabulary.yaml": VocabularyFile,
    "dicom-codes.yaml": DicomCodesFile,
}


def model_of(filename: str) -> type[UserModel]:
    """The model of one file of ``mappings/descriptions/`` (a value file unless named above)."""
    return MODELS.get(filename, ValueFile)


def load_mapping(path: Path) -> dict[str, Any]:
    """The data of one description mapping file, checked against its model (an empty file is
    an empty mapping); :class:`LexiconError` ``<file>: <field>: <reason>`` otherwise."""
    try:
        data = load_yaml(path)
    except FileNotFoundError:
        raise LexiconError(f"{path.name}: description mapping file not found") from None
    except UnicodeDecodeError:
        raise LexiconError(f"{path.name}: description mapping file cannot be read as UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise LexiconError(f"{path.name}: description mapping file is not readable YAML{where}") from None
    if data is None:
        data = {}
    try:
        userfile.validate(model_of(path.name), data, path.name)
    except CuratorError as exc:
        raise LexiconError(str(exc)) from None
    return data
