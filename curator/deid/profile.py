"""De-identification profiles (layers as data) and user recipes.

A profile (``mappings/deid/<name>.yaml``) is the Basic Profile of PS3.15 Table E.1-1 plus
a list of options plus overrides::

    name: research
    description: ...
    options: [retain_patient_characteristics, ...]
    overrides:        # keyword or (gggg,eeee): action D Z X K C U, P (patient pseudonym)
      PatientID: P    #   or H (keyed pseudonym of the value: same device, same pseudonym)
      PatientID: P
    replace: {}       # keyword: literal value written instead of the original
    add: {}           # keyword: literal value added at the top level of every instance

A user recipe in the pydicom/deid format (``FORMAT dicom`` / ``%header`` with REMOVE,
BLANK, REPLACE, KEEP, ADD, JITTER lines) is parsed with ``deid.config.DeidRecipe`` and
applied on top of the profile: REMOVE → X, BLANK → Z, KEEP → K, REPLACE → a literal
value (``func:generate_uid`` → U), ADD → added value, JITTER → C (the date is shifted by
the key's per-patient offset, not by the recipe's number of days, so that intervals
stay consistent with every other date of the patient).
"""
from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator
from pydicom.datadict import (
    DicomDictionary,
    dictionary_VR,
    keyword_dict,
    tag_for_keyword,
)
from pydicom.dataset import Dataset

from curator.common import userfile
from curator.deid import table
from curator.errors import CuratorError
from curator.resources import mappings_dir
from curator.common.userfile import UserModel

OVERRIDE_ACTIONS = frozenset("DZXKCUPH")
_TAG_FORMS = (
    re.compile(r"^\(?\s*([0-9A-Fa-f]{4})\s*,\s*([0-9A-Fa-f]{4})\s*\)?$"),
    re.compile(r"^([0-9A-Fa-f]{4})([0-9A-Fa-f]{4})$"),
)


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    options: tuple[str, ...]
    overrides: dict[int, str] = field(default_factory=dict)
    replace: dict[int, str] = field(default_factory=dict)
    add: dict[int, str] = field(default_factory=dict)
    recipe: str | None = None  # label of the user recipe layer, if any

    def option_codes(self) -> list[dict[str, str]]:
        basic, known, _ = table.options_info()
        codes = [{"code": basic.code, "meaning": basic.meaning}]
        codes += [{"code": known[o].code, "meaning": known[o].meaning} for o in self.options]
        return codes


def method_code_item(entry: dict[str, str]) -> Dataset:
    """An item of De-identification Method Code Sequence (CID 7050, scheme DCM)."""
    item = Dataset()
    item.CodeValue = entry["code"]
    item.CodingSchemeDesignator = "DCM"
    item.CodeMeaning = entry["meaning"]
    return item


def tag_of(text: str) -> int | None:
    """A tag from a keyword or a ``(gggg,eeee)`` / ``gggg,eeee`` / ``ggggeeee`` form (None if neither)."""
    for form in _TAG_FORMS:
        match = form.match(text)
        if match:
            return int(match.group(1) + match.group(2), 16)
    tag = tag_for_keyword(text)
    return None if tag is None else int(tag)


def parse_tag(field_name: str, where: str) -> int:
    """:func:`tag_of`, or a CuratorError naming ``where``."""
    text = str(field_name).strip()
    tag = tag_of(text)
    if tag is None:
        raise CuratorError(f"{where}: unknown DICOM attribute {text!r}")
    return tag


def _computed_value(value: object) -> str | None:
    """Why a literal value cannot be used (``func:``/``var:`` values are computed), or None."""
    text = "" if value is None else str(value)
    if text.startswith(("func:", "var:", "deid_func:")):
        return f"values computed by functions or variables are not supported ({text.split(':')[0]}:)"
    return None


def _check_value(tag: int, value: object, where: str) -> str:
    reason = _computed_value(value)
    if reason:
        raise CuratorError(f"{where}: {reason}")
    return "" if value is None else str(value)


def _attribute(name: str) -> str:
    if tag_of(name.strip()) is None:
        raise ValueError("is not a DICOM keyword or a (gggg,eeee) tag")
    return name


def _action(action: str) -> str:
    if action.strip().upper() not in OVERRIDE_ACTIONS:
        raise ValueError("unknown action (use one of D Z X K C U P H)")
    return action


def _literal(value: str | None) -> str | None:
    reason = _computed_value(value)
    if reason:
        raise ValueError(reason)
    return value


def _options(value: list[str]) -> list[str]:
    try:
        table.check_options(value)
    except CuratorError as exc:
        raise ValueError(str(exc)) from None
    return value


Attribute = Annotated[str, AfterValidator(_attribute)]
LiteralValue = Annotated[str | None, AfterValidator(_literal)]


class ProfileFile(UserModel):
    """What a profile YAML file may hold (``mappings/deid/*.yaml`` or ``--profile FILE``)."""

    name: str | None = None
    description: str | None = None
    options: Annotated[list[str], AfterValidator(_options)] | None = None
    overrides: dict[Attribute, Annotated[str, AfterValidator(_action)]] | None = None
    replace: dict[Attribute, LiteralValue] | None = None  # attribute: literal value written instead
    add: dict[Attribute, LiteralValue] | None = None  # attribute: literal value added

    def profile(self, default_name: str) -> Profile:
        """The :class:`Profile` this file describes (``default_name`` when it names none)."""
        where = f"profile {default_name}"
        return Profile(
            name=self.name or default_name,
            description=(self.description or "").strip(),
            options=table.check_options(self.options or []),
            overrides={parse_tag(k, where): a.strip().upper() for k, a in (self.overrides or {}).items()},
            replace={parse_tag(k, where): _check_value(0, v, where) for k, v in (self.replace or {}).items()},
            add={parse_tag(k, where): _check_value(0, v, where) for k, v in (self.add or {}).items()},
        )


def available_profiles() -> list[str]:
    folder = mappings_dir() / "deid"
    return sorted(p.stem for p in folder.glob("*.yaml"))


def load_profile(spec: str | os.PathLike[str]) -> Profile:
    """A named profile (``research``, ``strict``…) or a path to a profile YAML file."""
    text = os.fspath(spec)
    path = Path(text)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        source = path
    else:
        source = mappings_dir() / "deid" / f"{text}.yaml"
        if not re.fullmatch(r"[A-Za-z0-9_-]+", text) or not source.is_file():
            raise CuratorError(f"unknown de-identification profile {text!r}; available: {', '.join(available_profiles())}")
    return _load_profile_file(source)


@cache
def _load_profile_file(source: Path) -> Profile:
    return userfile.load(ProfileFile, source, "de-identification profile").profile(source.stem)


def _expand_field(field_name: str, where: str) -> list[int]:
    text = str(field_name).strip()
    for prefix in ("contains:", "startswith:", "endswith:"):
        if text.startswith(prefix):
            needle = text[len(prefix):].strip().lower()
            if not needle:
                raise CuratorError(f"{where}: empty {prefix} expression")
            test = {
                "contains:": lambda k, n=needle: n in k.lower(),
                "startswith:": lambda k, n=needle: k.lower().startswith(n),
                "endswith:": lambda k, n=needle: k.lower().endswith(n),
            }[prefix]
            return sorted(int(tag) for kw, tag in keyword_dict.items() if kw and test(kw) and tag in DicomDictionary)
    if ":" in text and not _TAG_FORMS[0].match(text):
        raise CuratorError(f"{where}: field expression {text.split(':')[0]}: is not supported")
    if text.lower() in ("all", "*"):
        raise CuratorError(f"{where}: field 'all' is not supported; name the attributes")
    return [parse_tag(text, where)]


def apply_recipe(profile: Profile, recipe_path: str | os.PathLike[str]) -> Profile:
    """``profile`` with a pydicom/deid recipe layered on top."""
    import tempfile

    from curator.common.regular import read_named

    path = Path(recipe_path)
    where = f"recipe {path.name}"
    data = read_named(path, "recipe")  # read once, as every file the user names (a FIFO refused at once); deid reads the copy
    try:
        data.decode("utf-8")  # deid reads it as text: say so, not 'UnicodeDecodeError'
    except UnicodeDecodeError:
        raise CuratorError(f"recipe is not UTF-8 text: {path.name}") from None
    try:
        from deid.config import DeidRecipe
        from deid.logger import bot

        bot.level = 0  # deid's own logger is chatty at import and parse time
        logging.getLogger("deid").setLevel(logging.ERROR)
        with tempfile.TemporaryDirectory(prefix="curator-recipe-") as folder:
            copy = Path(folder) / "deid.recipe"
            copy.write_bytes(data)
            recipe = DeidRecipe(deid=str(copy), base=False)
            actions = recipe.get_actions() or []
    except CuratorError:
        raise
    except SystemExit:
        raise CuratorError(f"{where}: not a valid deid recipe") from None
    except Exception as exc:  # noqa: BLE001 - deid raises assorted errors on bad recipes
        raise CuratorError(f"{where}: not a valid deid recipe ({type(exc).__name__})") from None
    overrides = dict(profile.overrides)
    replace = dict(profile.replace)
    add = dict(profile.add)
    for entry in actions:
        action = str(entry.get("action", "")).upper()
        tags = _expand_field(entry.get("field", ""), where)
        value = entry.get("value")
        for tag in tags:
            replace.pop(tag, None)
            if action == "REMOVE":
                overrides[tag] = "X"
            elif action == "BLANK":
                overrides[tag] = "Z"
            elif action == "KEEP":
                overrides[tag] = "K"
            elif action == "JITTER":
                overrides[tag] = "C"
            elif action == "REPLACE":
                if str(value).strip() == "func:generate_uid":
                    overrides[tag] = "U"
                else:
                    replace[tag] = _check_value(tag, value, where)
                    overrides.pop(tag, None)
            elif action == "ADD":
                add[tag] = _check_value(tag, value, where)
            else:
                raise CuratorError(f"{where}: action {action or '?'} is not supported")
    for tag in list(replace) + list(add):
        try:
            dictionary_VR(tag)
        except KeyError:
            raise CuratorError(f"{where}: REPLACE/ADD needs a public attribute") from None
    return Profile(
        name=profile.name,
        description=profile.description,
        options=profile.options,
        overrides=overrides,
        replace=replace,
        add=add,
        recipe=path.name,
    )
