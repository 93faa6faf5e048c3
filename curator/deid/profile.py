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

import yaml
from pydicom.datadict import (
    DicomDictionary,
    dictionary_VR,
    keyword_dict,
    tag_for_keyword,
)
from pydicom.dataset import Dataset

from curator.deid import table
from curator.errors import CuratorError
from curator.resources import mappings_dir

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


def parse_tag(field_name: str, where: str) -> int:
    """A tag from a keyword or a ``(gggg,eeee)`` / ``gggg,eeee`` / ``ggggeeee`` form."""
    text = str(field_name).strip()
    for form in _TAG_FORMS:
        match = form.match(text)
        if match:
            return int(match.group(1) + match.group(2), 16)
    tag = tag_for_keyword(text)
    if tag is None:
        raise CuratorError(f"{where}: unknown DICOM attribute {text!r}")
    return int(tag)


def _check_value(tag: int, value: object, where: str) -> str:
    text = "" if value is None else str(value)
    if text.startswith(("func:", "var:", "deid_func:")):
        raise CuratorError(f"{where}: values computed by functions or variables are not supported ({text.split(':')[0]}:)")
    return text


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
    where = f"profile {source.name}"
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CuratorError(f"{where} cannot be read ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise CuratorError(f"{where}: expected a mapping")
    unknown = set(data) - {"name", "description", "options", "overrides", "replace", "add"}
    if unknown:
        raise CuratorError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    options = table.check_options(list(data.get("options") or []))
    overrides = {}
    for name, action in (data.get("overrides") or {}).items():
        action = str(action).strip().upper()
        if action not in OVERRIDE_ACTIONS:
            raise CuratorError(f"{where}: unknown action {action!r} (use one of D Z X K C U P H)")
        overrides[parse_tag(name, where)] = action
    replace = {parse_tag(k, where): _check_value(0, v, where) for k, v in (data.get("replace") or {}).items()}
    add = {parse_tag(k, where): _check_value(0, v, where) for k, v in (data.get("add") or {}).items()}
    return Profile(
        name=str(data.get("name") or source.stem),
        description=str(data.get("description") or "").strip(),
        options=options,
        overrides=overrides,
        replace=replace,
        add=add,
    )


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
    path = Path(recipe_path)
    where = f"recipe {path.name}"
    if not path.is_file():
        raise CuratorError(f"{where}: file not found")
    try:
        from deid.config import DeidRecipe
        from deid.logger import bot

        bot.level = 0  # deid's own logger is chatty at import and parse time
        logging.getLogger("deid").setLevel(logging.ERROR)
        recipe = DeidRecipe(deid=str(path), base=False)
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
