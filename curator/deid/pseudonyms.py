"""The secret key and everything derived from it with HMAC-SHA256.

Key file format (text, UTF-8, written with mode 0600)::

    # curator de-identification key. Keep it secret; never publish it.
    curator-key-v1:<64 lowercase hex digits = 32 random bytes>

Derived values (all deterministic for one key, so consistent across files and runs):

* patient pseudonym: ``"P" + 15 upper-case hex digits`` of HMAC(key, "patient\\0" + patient key);
* new UID: ``"2.25." + int`` of the first 16 bytes of HMAC(key, "uid\\0" + old UID), the
  UUID-derived root of PS3.5 B.2, at most 44 characters;
* date offset: a whole number of days between 365 and 3,650 (1–10 years) subtracted from
  every date of the patient, from HMAC(key, "date\\0" + patient key);
* value pseudonym (device serial numbers, station names…): ``"H" + 15 hex digits`` of
  HMAC(key, "value\\0" + value), the same for the same device everywhere;
* opaque references for the report: HMAC(key, "ref\\0" + text), 16 hex digits.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import os
import re
import secrets
import stat
import sys
from functools import lru_cache
from pathlib import Path

from curator.errors import CuratorError

KEY_PREFIX = "curator-key-v1:"
KEY_BYTES = 32
_KEY_LINE = re.compile(r"^curator-key-v1:([0-9a-fA-F]{64})\s*$")
MIN_OFFSET_DAYS = 365
MAX_OFFSET_DAYS = 3650


def new_key_text() -> str:
    """The text of a key file holding a new random key (what :func:`write_key` writes)."""
    return (
        "# curator de-identification key. Keep it secret; never publish it.\n"
        "# Losing it means pseudonyms and dates can no longer be reproduced.\n"
        f"{KEY_PREFIX}{secrets.token_bytes(KEY_BYTES).hex()}\n"
    )


def write_key(path: str | os.PathLike[str]) -> Path:
    """Write a new random key to ``path`` (mode 0600); refuse to overwrite anything."""
    target = Path(path)
    if target.exists() or target.is_symlink():
        raise CuratorError(f"key file already exists, not overwritten: {target.name}")
    if not target.parent.exists():
        raise CuratorError("folder of the key file does not exist")
    text = new_key_text()
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise CuratorError(f"key file already exists, not overwritten: {target.name}") from None
    except OSError as exc:
        raise CuratorError(f"key file cannot be written ({exc.strerror or 'OS error'})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:  # a full disk: no empty or cut key file is left under the name
        target.unlink(missing_ok=True)
        raise CuratorError(f"cannot write the key file ({exc.strerror or 'OS error'}); nothing was left in its place") from None
    os.chmod(target, 0o600)
    return target


def read_key(path: str | os.PathLike[str]) -> bytes:
    """The 32-byte key stored in ``path`` (written by :func:`write_key`)."""
    target = Path(path)
    from curator.common.regular import read_named

    data = read_named(target, "key file", hint=" (create one with `curator keygen FILE`)")
    try:
        text = data.decode("utf-8-sig")  # a byte-order mark (Notepad's) is not part of the line
    except UnicodeDecodeError:
        raise CuratorError(f"key file cannot be read as text: {target.name}") from None
    keys = {match.group(1).lower() for match in map(_KEY_LINE.match, map(str.strip, text.splitlines())) if match}
    if len(keys) > 1:  # which one a run used would be a guess, and a wrong guess re-keys a release
        raise CuratorError(f"key file holds {len(keys)} different keys; keep one line '{KEY_PREFIX}…' per file")
    if keys:
        _warn_if_open(target)
        return bytes.fromhex(keys.pop())
    raise CuratorError(f"not a curator key file (expected a line '{KEY_PREFIX}<64 hex digits>')")


def _warn_if_open(target: Path) -> None:
    """Warn on stderr, as ssh does, when the key file can be read by group or others (never quoting the key)."""
    try:
        mode = target.stat().st_mode
    except OSError:
        return
    if os.name == "posix" and mode & 0o077:
        print(f"warning: key file {target.name} is accessible by group or others (permissions {stat.S_IMODE(mode):04o}); "
              f"anyone who can read it can re-identify the release: run chmod 600 on it", file=sys.stderr)


def check_key(key: bytes) -> bytes:
    if not isinstance(key, (bytes, bytearray)) or len(key) < 16:
        raise CuratorError("the de-identification key must be at least 16 bytes (use `curator keygen`)")
    return bytes(key)


class Pseudonymizer:
    """HMAC-SHA256 derivations from one key (the key itself is never returned)."""

    def __init__(self, key: bytes):
        self._key = check_key(key)
        self.uid = lru_cache(maxsize=65536)(self._uid)

    def _mac(self, label: str, text: str) -> bytes:
        return hmac.new(self._key, label.encode() + b"\0" + text.encode("utf-8", "surrogateescape"), hashlib.sha256).digest()

    def _uid(self, old: str) -> str:
        return "2.25." + str(int.from_bytes(self._mac("uid", old.strip())[:16], "big"))

    def instance_uid(self, old: str) -> str:
        """:meth:`uid` for an instance's own SOP Instance UID, not remembered: it never
        recurs, and remembering it would be state per instance (up to the cache's bound)."""
        return self._uid(old)

    def patient(self, patient_key: str) -> str:
        return "P" + self._mac("patient", patient_key).hex()[:15].upper()

    def date_offset(self, patient_key: str) -> int:
        value = int.from_bytes(self._mac("date", patient_key)[:8], "big")
        return MIN_OFFSET_DAYS + value % (MAX_OFFSET_DAYS - MIN_OFFSET_DAYS + 1)

    def value(self, text: str) -> str:
        """Keyed pseudonym of an identifier value (16 characters, fits SH)."""
        return "H" + self._mac("value", text.strip()).hex()[:15].upper()

    def ref(self, text: str) -> str:
        return self._mac("ref", text).hex()[:16]


def short_hash(text: str, length: int = 16) -> str:
    """Unkeyed short name for an already pseudonymous value (e.g. a new UID)."""
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def shift_date(value: str, days: int) -> str | None:
    """``YYYYMMDD`` moved ``days`` earlier; ``None`` when it is not a valid date."""
    text = value.strip()
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        day = _dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None
    try:
        moved = day - _dt.timedelta(days=days)
    except OverflowError:
        return None
    return f"{moved.year:04d}{moved.month:02d}{moved.day:02d}"


# DT (PS3.5 Table 6.2-1): YYYY[MM[DD[HH[MM[SS[.F{1-6}]]]]]][&ZZXX]; any precision may end it.
_DT = re.compile(r"(\d{4})(?:(\d{2})(?:(\d{2})(\d{2}(?:\d{2}(?:\d{2}(?:\.\d{1,6})?)?)?)?)?)?([+-]\d{4})?")


def shift_datetime(value: str, days: int) -> str | None:
    """A DT value moved ``days`` earlier at its own precision; ``None`` when invalid.

    A full date keeps its time, fraction and UTC offset unchanged.  A year-month
    (``YYYYMM``) or a year (``YYYY``) is the month or year of its middle day (the 15th,
    the 2nd of July) shifted, so that it moves as the dates it stands for do.
    """
    match = _DT.fullmatch(value.strip())
    if match is None:
        return None
    year, month, day, time, offset = match.groups()
    suffix = (time or "") + (offset or "")
    if day is not None:
        date = shift_date(year + month + day, days)
        return None if date is None else date + suffix
    if month is not None:
        if not 1 <= int(month) <= 12:
            return None
        middle = _middle_shifted(int(year), int(month), 15, days)
        return None if middle is None else f"{middle.year:04d}{middle.month:02d}" + suffix
    middle = _middle_shifted(int(year), 7, 2, days)
    return None if middle is None else f"{middle.year:04d}" + suffix


def _middle_shifted(year: int, month: int, day: int, days: int) -> _dt.date | None:
    try:
        return _dt.date(year, month, day) - _dt.timedelta(days=days)
    except (ValueError, OverflowError):
        return None
