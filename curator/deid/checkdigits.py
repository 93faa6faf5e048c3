"""National identifiers recognised by their check digits (red team 15).

A label or a code string (Frame Label, Content Label) is no free text, so a number alone in it
stays: codes such as SNOMED CT values are numbers.  A Brazilian CPF (``529.982.247-25``), a UK NHS
number (``943 476 5919``), a Chinese resident identity number (``11010519491231002X``), a Swedish
personnummer (``19310303-2381``), an IBAN (``NL91ABNA0417164300``) or an Italian codice fiscale
(``RSSMRA61C03H501U``: the name and the birth date) stayed there whole.  Each is written in a form
of its own *and* carries check digits; a match of the form whose check digits hold is an
identifier whatever the field (``mappings/identifiers.yaml`` ``checked_patterns``: the form; the
check named there is one of :data:`CHECKS`).  The check keeps codes of the same form that are no
identifier (a code of eleven digits has one chance in eleven of passing the NHS check, and the
form still has to match)."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_CF_ODD = dict(zip("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                   (1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6,
                    8, 12, 14, 16, 10, 22, 25, 24, 23), strict=True))


def _digits(text: str) -> list[int]:
    return [int(c) for c in text if c.isdigit()]


def luhn(text: str) -> bool:
    """The Luhn check (Swedish personnummer on its last ten digits, payment cards)."""
    digits = _digits(text)
    if len(digits) == 12:  # a personnummer with its century: the check covers YYMMDDNNNC
        digits = digits[2:]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return len(digits) >= 10 and total % 10 == 0


def mod97(text: str) -> bool:
    """ISO 13616 (IBAN): the country and check digits moved to the end, letters as 10-35, mod 97 is 1."""
    compact = re.sub(r"\s", "", text).upper()
    moved = compact[4:] + compact[:4]
    number = "".join(str(int(c, 36)) for c in moved)
    return len(compact) >= 15 and int(number) % 97 == 1


def nhs(text: str) -> bool:
    """UK NHS number: weights 10..2 on the first nine digits, 11 - sum mod 11 (11 is 0, 10 is invalid)."""
    digits = _digits(text)
    if len(digits) != 10:
        return False
    check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=False)) % 11
    return (0 if check == 11 else check) == digits[9] and check != 10


def cpf(text: str) -> bool:
    """Brazilian CPF: two mod-11 check digits; the numbers of one digit repeated are no CPF."""
    digits = _digits(text)
    if len(digits) != 11 or len(set(digits)) == 1:
        return False
    for n in (9, 10):
        check = sum(d * w for d, w in zip(digits[:n], range(n + 1, 1, -1), strict=True)) * 10 % 11 % 10
        if check != digits[n]:
            return False
    return True


def iso7064_11_2(text: str) -> bool:
    """ISO 7064 MOD 11-2 (Chinese resident identity number): weights 2^(17-i) mod 11, check 0-9 or X."""
    body, last = text[:-1], text[-1:].upper()
    if len(body) != 17 or not body.isdigit():
        return False
    total = sum(int(c) * pow(2, 17 - i, 11) for i, c in enumerate(body))
    return "10X98765432"[total % 11] == last


def codice_fiscale(text: str) -> bool:
    """Italian codice fiscale: the last letter from the odd and even positions' tables."""
    code = text.upper()
    if len(code) != 16:
        return False
    total = sum(_CF_ODD[c] if i % 2 == 0 else (int(c) if c.isdigit() else ord(c) - 65) for i, c in enumerate(code[:15]))
    return chr(65 + total % 26) == code[15]


CHECKS: dict[str, Callable[[str], bool]] = {
    "luhn": luhn, "mod97": mod97, "nhs": nhs, "cpf": cpf, "iso7064_11_2": iso7064_11_2,
    "codice_fiscale": codice_fiscale,
}


@dataclass(frozen=True)
class CheckedPattern:
    """A pattern whose matches count only when their check digits hold (:data:`CHECKS`); it has
    the ``search`` of a compiled pattern, so the label and code rules read it as one."""

    pattern: re.Pattern[str]
    check: Callable[[str], bool]

    def search(self, text: str) -> re.Match[str] | None:
        for match in self.pattern.finditer(text):
            if self.check(match.group(0)):
                return match
        return None

    def finditer(self, text: str) -> list[re.Match[str]]:
        return [m for m in self.pattern.finditer(text) if self.check(m.group(0))]


def checked(pattern: str, check: str, where: str) -> CheckedPattern:
    if check not in CHECKS:
        raise ValueError(f"{where}: check {check} is none of {', '.join(sorted(CHECKS))}")
    return CheckedPattern(re.compile(pattern, re.UNICODE), CHECKS[check])
