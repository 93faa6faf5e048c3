"""The one decision table of the de-identification: what happens to each element.

Compiled once per profile from DICOM PS3.15 Table E.1-1 with the profile's options and
overrides (:mod:`curator.deid.table`, ``mappings/deid/``), it answers for an element (its
tag, its VR, where it is) with a :class:`Decision`: the operation and the count it adds to
the report.  The dataset engine (:mod:`curator.deid.engine`) and the byte path
(:mod:`curator.deid.fastpath`) take every decision from here and only carry it out on
their own representation (a pydicom element, or bytes), so the two cannot decide
differently; ``tests/test_deid_decisions.py`` checks that they also carry them out alike.

Public elements: the profile's action (compound codes resolved by the attribute's type in
the IOD), then what that action means for the element's VR (PS3.15 E.1: a dummy of the
VR, new UIDs for UI, shifted dates under Retain Longitudinal Temporal Information with
Modified Dates...).  Elements no data dictionary knows (not private, not in the standard):
removed.  Elements the table does not list: kept, except person names
(dummy), instance UIDs (remapped, standard ones kept), dates (as the listed dates) and
text that is free text or holds an identifier of the patient (cleaned).  Private
elements: removed, unless Retain Safe Private is on and the TCIA knowledge base says
their signature is safe.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from pydicom.datadict import get_entry, keyword_for_tag

from curator.deid import freetext
from curator.deid import table
from curator.deid.profile import Profile
from curator.dicom.vr import STRING_VRS, TEXT_VRS

TAG_TEXT_VALUE = 0x0040A160
TAG_PATIENT_AGE = 0x00101010

# Action codes besides the table's (D, Z, X, K, C, U, P, H).
UNLISTED = "unlisted"  # not in the table: the rules for unlisted elements apply
DROP_OVERLAY = "drop-overlay"  # the element goes with its whole overlay group
REPLACE = "replace"  # the profile gives its value

# Unlisted elements of these VRs are kept as they are (binary, numbers, codes, times).
UNLISTED_KEPT_VRS = frozenset({
    "OB", "OW", "OF", "OD", "OL", "OV", "UN", "US", "SS", "UL", "SL", "FL", "FD", "AT", "IS", "DS",
    "TM", "AS", "SV", "UV", "US or SS", "OB or OW", "US or OW", "US or SS or OW",
})
# Private string values that are not free text (codes, numbers, ages, times, AE titles,
# URLs): what the TCIA knowledge base calls a code may hold anything a site wrote, and an
# implicit VR file gives the element the knowledge base's VR whatever its bytes.
CHECKED_PRIVATE_VRS = STRING_VRS - TEXT_VRS - {"PN", "UI", "DA", "DT"}
# Safe private byte values (TCIA `k`: a Fuji "Kanji Department Name", a Sectra "Examination
# number" stored as OB) are kept only when no text reading of their bytes holds an identifier
# (curator.deid.engine.binary_value_safe; red team round 6).
BYTE_VRS = frozenset({"OB", "OW", "OB or OW"})
# Coded strings: kept, but a value holding a person's name part or an ID-like part of the
# patient's headers is emptied (curator.deid.scrub.code_holds_identifier), whatever the attribute.
CODE_VRS = frozenset({"CS", "AE", "UR"})
# A UID whose keyword names a class, syntax or scheme (not an instance) is kept whatever its root.
CLASS_UID_KEYWORD = re.compile(r"(Class|Syntax|Scheme|Template|Context|Mapping|Private).*UID|UID.*(Class|Syntax)")
DATE_VRS = frozenset({"DA", "DT"})


class Op(Enum):
    """What is done to an element."""

    REMOVE = "remove"
    REPLACE = "replace"  # the profile's value
    EMPTY = "empty"  # zero length (a sequence without items)
    KEEP = "keep"
    KEEP_TEXT = "keep-text"  # kept text: free text through the allowlist, other text without the patient's identifiers
    KEEP_CODES = "keep-codes"  # kept coded values (CS, AE, UR): a value holding a person-name or ID-like part is emptied
    KEEP_IF_SAFE = "keep-if-safe"  # safe private text: kept whole when it holds no identifier, else removed
    CLEAN_ITEMS = "clean-items"  # a sequence kept, every item de-identified
    PSEUDONYM = "pseudonym"  # the patient's keyed pseudonym
    HASH = "hash"  # each value replaced by its keyed pseudonym
    NEW_UIDS = "new-uids"  # every UID remapped
    NEW_INSTANCE_UIDS = "new-instance-uids"  # UIDs remapped but the standard ones (counted when one changed)
    KEEP_CLASS_UIDS = "keep-class-uids"  # class/scheme UIDs kept, remapped when one holds an identifier (counted then)
    DUMMY = "dummy"  # a dummy value of the VR
    SHIFT_DATES = "shift-dates"  # shifted by the patient's offset
    SCRUB = "scrub"  # free text cleaned
    SCRUB_IF_IDENTIFIER = "scrub-if-identifier"  # cleaned when it holds an identifier or a UID (counted then)


@dataclass(frozen=True)
class Decision:
    """``op`` on the element; ``stat``: the report's count it adds (when the op applies);
    ``unless_empty``: an element without a value is kept as it is instead."""

    op: Op
    stat: str | None = None
    unless_empty: bool = False


_REMOVE = Decision(Op.REMOVE, "X")
_KEEP = Decision(Op.KEEP)


class Decisions:
    """The compiled decision table of one profile."""

    def __init__(self, profile: Profile):
        by_tag, by_pattern = table.action_map(profile.options)
        self.by_tag: dict[int, str] = dict(by_tag)
        self.by_tag.update(profile.overrides)
        # A conditional attribute whose condition the profile always removes goes with it
        # (Ethics Committee Name without its Approval Number: "present when condition unsatisfied").
        for tag, conditions in table.conditional_on().items():
            if all(self.by_tag.get(condition) == "X" for condition in conditions):
                self.by_tag[tag] = "X"
        self.replace: dict[int, str] = dict(profile.replace)
        self.curve_action = by_pattern[table.PATTERN_CURVES]
        self.overlay_comment_action = by_pattern[table.PATTERN_OVERLAY_COMMENTS]
        self.overlay_data_action = by_pattern[table.PATTERN_OVERLAY_DATA]
        # Overlay bitmaps cannot be cleaned automatically: under X (Basic Profile) or C
        # (Clean Graphics) the whole overlay group 60xx is removed, so that no overlay
        # module is left without its data; K keeps it.
        self.drop_overlays = self.overlay_data_action in ("X", "C")
        private = by_pattern[table.PATTERN_PRIVATE]
        self.safe_private: frozenset[tuple[str, ...]] | None = table.safe_private() if private in ("C", "K") else None
        self.private_free_text = table.safe_private_free_text(freetext.free_text_endings()) if self.safe_private else frozenset()
        options = set(profile.options)
        if "retain_modified_dates" in options:
            self.date_mode = "shift"
        elif "retain_full_dates" in options:
            self.date_mode = "keep"
        else:
            self.date_mode = "remove"
        self.keep_age = self.by_tag.get(TAG_PATIENT_AGE) == "K"
        self.may_need_value = table.may_need_value()
        self._decided: dict[tuple[str, int, str], Decision] = {}

    # --- public elements --------------------------------------------------------------

    def listed_action(self, tag: int) -> str | None:
        """The action of a standard tag from the table, or the curve and overlay rules
        (:data:`DROP_OVERLAY` when the whole overlay group goes); ``None`` when unlisted."""
        action = self.by_tag.get(tag)
        if action is not None:
            return action
        group = tag >> 16
        if group & 0xFF00 == 0x5000:
            return self.curve_action
        if group & 0xFF00 == 0x6000:
            if self.drop_overlays:
                return DROP_OVERLAY
            element = tag & 0xFFFF
            if element == 0x3000:
                return self.overlay_data_action
            if element == 0x4000:
                return self.overlay_comment_action
        return None

    def action(self, tag: int, sop_class: str, path: tuple[str, ...]) -> str:
        """The action of a public element at traversal ``path`` (its enclosing sequences):
        a simple action code (compound codes resolved), :data:`DROP_OVERLAY`,
        :data:`REPLACE` or :data:`UNLISTED`."""
        action = self.listed_action(tag)
        if action == DROP_OVERLAY:
            return action
        if tag in self.replace:
            return REPLACE
        if action is None:
            return UNLISTED
        if "/" in action:
            return table.resolve_compound(action, tag, sop_class, bool(path), table.parent_of(path))
        if action == "X" and path:
            return table.resolve_removal(tag, table.parent_of(path))
        return action

    def decide(self, action: str, tag: int, vr: str) -> Decision:
        """The decision for a public element of ``vr`` whose action is ``action``."""
        key = (action, tag if action == UNLISTED else 0, vr)
        decision = self._decided.get(key)
        if decision is None:
            decision = self._decided[key] = self._unlisted(tag, vr) if action == UNLISTED else self._listed(action, vr)
        return decision

    def must_have_value(self, tag: int, sop_class: str, path: tuple[str, ...]) -> bool:
        """True when the element may not be left empty here (type 1 or 1C): its dummy value
        is written instead (PS3.15 E.1)."""
        return tag in self.may_need_value and table.must_have_value(tag, sop_class, table.parent_of(path))

    def _listed(self, action: str, vr: str) -> Decision:
        if action in ("X", DROP_OVERLAY):
            return _REMOVE
        if action == REPLACE:
            return Decision(Op.REPLACE, "replaced")
        if vr == "SQ":
            return Decision(Op.EMPTY, "Z") if action == "Z" else Decision(Op.CLEAN_ITEMS, action)
        if action == "K":
            return Decision(Op.KEEP_TEXT if vr in TEXT_VRS else Op.KEEP_CODES if vr in CODE_VRS else Op.KEEP, "K")
        if action == "Z":
            return Decision(Op.EMPTY, "Z")
        if action == "P":
            return Decision(Op.PSEUDONYM, "P")
        if vr == "UI" and action in ("H", "U", "D", "C"):
            return Decision(Op.NEW_UIDS, action)
        if action == "H":
            return Decision(Op.HASH if vr in TEXT_VRS or vr in ("PN", "CS", "AE") else Op.DUMMY, "H")
        if action == "U":
            return Decision(Op.DUMMY, "U")
        if action == "D":
            return Decision(Op.SHIFT_DATES if vr in DATE_VRS and self.date_mode == "shift" else Op.DUMMY, "D")
        if action == "C":
            return Decision(self._clean_op(vr), "C")
        raise ValueError(f"unknown action {action}")  # guarded by the profile loader

    def _clean_op(self, vr: str) -> Op:
        """What Clean (C) does to a value of ``vr``."""
        if vr in DATE_VRS:
            return {"shift": Op.SHIFT_DATES, "remove": Op.EMPTY, "keep": Op.KEEP}[self.date_mode]
        if vr in TEXT_VRS:
            return Op.SCRUB
        if vr in ("PN", "AE"):
            return Op.DUMMY
        if vr in CODE_VRS:
            return Op.KEEP_CODES
        return Op.KEEP  # TM, AS, numbers: nothing identifying to clean

    def _unlisted(self, tag: int, vr: str) -> Decision:
        if not known_tag(tag):
            # no dictionary knows what it holds: bytes after the dataset read as an element (a
            # zip appended to the file), a misparsed item's remains (hostile round 10)
            return _REMOVE
        if vr in UNLISTED_KEPT_VRS:
            return _KEEP
        if vr in CODE_VRS:  # type 1 codes too: a name in Image Type goes (vocabulary words never match)
            return Decision(Op.KEEP_CODES, unless_empty=True)
        if vr == "SQ":
            return Decision(Op.CLEAN_ITEMS)
        if vr == "PN":
            return Decision(Op.DUMMY, "D", unless_empty=True)
        if vr == "UI":
            if CLASS_UID_KEYWORD.search(keyword_for_tag(tag) or "Private"):
                # kept, but a site's own scheme or class UID built from the MRN or the birth
                # date (root.<MRN>.<YYYYMMDD>) is remapped (red team 7)
                return Decision(Op.KEEP_CLASS_UIDS, "U", unless_empty=True)
            return Decision(Op.NEW_INSTANCE_UIDS, "U", unless_empty=True)
        if vr in DATE_VRS:
            if self.date_mode == "shift":
                return Decision(Op.SHIFT_DATES, unless_empty=True)
            return Decision(Op.REMOVE, "X", unless_empty=True) if self.date_mode == "remove" else Decision(Op.KEEP, unless_empty=True)
        if vr in TEXT_VRS:
            if tag == TAG_TEXT_VALUE or freetext.is_free_text(tag):
                return Decision(Op.SCRUB, "C", unless_empty=True)
            return Decision(Op.SCRUB_IF_IDENTIFIER, "C", unless_empty=True)
        return Decision(Op.KEEP, unless_empty=True)

    # --- private elements -------------------------------------------------------------

    def safe_signature(self, path: tuple[str, ...], tag: int, creator: str | None) -> tuple[str, ...] | None:
        """The signature path of the private element ``tag`` (whose block ``creator``
        reserved; ``None``: no creator) at traversal ``path`` when Retain Safe Private
        keeps it (the path of its items, when it is a sequence); ``None``: removed."""
        if self.safe_private is None or (tag & 0xFFFF) >> 8 < 0x10 or not creator:
            return None
        signature = path + (table.private_signature(tag >> 16, creator, tag & 0xFF),)
        return signature if signature in self.safe_private else None

    @staticmethod
    def private_op(vr: str) -> Op:
        """What happens to a private element of ``vr`` whose signature is safe."""
        if vr == "SQ":
            return Op.CLEAN_ITEMS
        if vr in TEXT_VRS or vr in CHECKED_PRIVATE_VRS or vr in BYTE_VRS:
            return Op.KEEP_IF_SAFE  # kept whole or not at all: text that cleaning would change goes
        if vr in ("PN", "UN", "UI", "DA", "DT"):
            return Op.REMOVE
        return Op.KEEP


def known_tag(tag: int) -> bool:
    """True for a public element the DICOM data dictionary names (repeating groups, retired
    elements and group lengths included): curator knows what its value is."""
    if tag & 0xFFFF == 0:
        return True  # a group length: a count
    try:
        get_entry(tag)
    except KeyError:
        return False
    return True


def is_private_creator(tag: int) -> bool:
    """True for a private creator element (gggg,0010-00FF)."""
    return 0x10 <= tag & 0xFFFF <= 0xFF


def creator_tag(tag: int) -> int:
    """The private creator element that reserves the block of the private element ``tag``."""
    return (tag & 0xFFFF0000) | ((tag & 0xFFFF) >> 8)


__all__ = [
    "CLASS_UID_KEYWORD", "CODE_VRS", "DROP_OVERLAY", "Decision", "Decisions", "Op", "REPLACE", "UNLISTED",
    "UNLISTED_KEPT_VRS", "creator_tag", "is_private_creator", "known_tag",
]
