"""Files the user writes (YAML): read them, validate them with a pydantic model, one error form.

Every YAML file a person writes for curator (a de-identification profile, a site override
file, a provenance file; ``release.yaml`` has its own module, :mod:`curator.release.config`)
is described by a pydantic model built on :class:`UserModel`: unknown keys are refused, a
value of the wrong type is refused, and the problem is reported as one line per field::

    error: bad.yaml: overrides.PatientName: unknown action (use one of D Z X K C U P H)

``<file>`` is the file's name only (a folder name may hold a patient's name), ``<field>``
the dotted path of the field with list positions counted from 1 (``segmentations[2].method``)
and ``<reason>`` never quotes the value: a file may hold anything.

Numbers where text is expected are taken as text (``version: 2.4`` is ``"2.4"``), as YAML
readers expect; a mapping or a list where text is expected is an error.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from curator.common.regular import SMALL_FILE_LIMIT, NotASmallFile, open_regular, read_named, read_small
from curator.errors import CuratorError

__all__ = ["SMALL_FILE_LIMIT", "NotASmallFile", "UserModel", "load", "open_regular", "read_named", "read_small", "read_yaml", "validate"]

M = TypeVar("M", bound=BaseModel)


class UserModel(BaseModel):
    """Base of the models of user-written files: unknown keys refused, values frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


def field_path(loc: tuple[int | str, ...]) -> str:
    """``segmentations[2].readers[1].name`` from a pydantic error location.

    pydantic adds the tried member of a union (``str``, ``list[str]``, a model's name,
    ``function-after[...]``) and ``[key]`` for a bad mapping key: those are left out.
    """
    tags = _UNION_TAGS | _model_names()
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"
            continue
        text = str(part)
        if text == "[key]" or "[" in text or text.startswith("function-") or text in tags:
            continue
        out += f".{text}" if out else text
    return out


_UNION_TAGS = frozenset({"str", "int", "float", "bool", "none", "list", "dict", "constrained-str"})


def _model_names() -> frozenset[str]:
    """The names of every model of a user file (pydantic names the tried member of a union)."""
    names: set[str] = set()
    todo: list[type[UserModel]] = [UserModel]
    while todo:
        for sub in todo.pop().__subclasses__():
            names.add(sub.__name__)
            todo.append(sub)
    return frozenset(names)


MAX_PROBLEMS = 10  # problems named in one error line


def problems(exc: ValidationError) -> list[str]:
    """``field: reason`` for every problem of a pydantic error, without the input values."""
    placed = []
    for err in exc.errors(include_input=False, include_url=False, include_context=False):
        where = field_path(err["loc"]) or "(top level)"
        reason = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            reason = "is required"
        elif err["type"] == "extra_forbidden":
            reason = "is not a known field"
        placed.append((where, reason))
    # A union (a text, or a text per language) tried on a mapping fails in both members: the
    # member that read into the mapping says what is wrong inside it; the other ('should be a
    # valid string' at the mapping itself) only confuses.
    inner = {where for where, _ in placed}
    found = list(dict.fromkeys(f"{where}: {reason}" for where, reason in placed
                               if not any(other.startswith((where + ".", where + "[")) for other in inner)))
    if len(found) > MAX_PROBLEMS:  # one error line a person reads (999 keywords too long: not 999 reasons)
        found = [*found[:MAX_PROBLEMS], f"and {len(found) - MAX_PROBLEMS} more"]
    return found


def validate(model: type[M], data: Any, name: str) -> M:
    """``data`` (parsed YAML) as ``model``; CuratorError ``name: field: reason[; field: reason]``."""
    if not isinstance(data, dict):
        raise CuratorError(f"{name}: (top level): must be a mapping of fields")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise CuratorError(f"{name}: " + f"; {name}: ".join(problems(exc))) from None


def read_yaml(path: Path, what: str) -> Any:
    """The parsed content of a user's YAML file (``None`` when empty).

    A file that is missing, unreadable, no regular file, too large (:func:`read_small`) or
    not YAML (or nested deeper than the parser's recursion) is a CuratorError naming ``what``
    and the file's name (with the line of a YAML syntax error).
    """
    try:
        text = read_named(path, what).decode("utf-8")
    except UnicodeDecodeError:
        raise CuratorError(f"{what} is not UTF-8 text: {path.name}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise CuratorError(f"{path.name}: {what} is not readable YAML{where}") from None
    except RecursionError:  # PyYAML composes nested collections recursively: '[[[[...' 100,000 deep
        raise CuratorError(f"{path.name}: {what} is not readable YAML (nested too deeply)") from None


def load(model: type[M], path: Path, what: str) -> M:
    """Read and validate one user file (an empty file is refused: it holds no mapping)."""
    return validate(model, read_yaml(path, what), path.name)
