"""The tables made from a patient's identifier values are not kept for every patient.

``curator.deid.scrub._compiled`` splits a patient's identifier values into the words,
phrases and parts that free text is scrubbed of; it is remembered per set of values (every
free text of the patient's instances asks again), and it was remembered for every patient a
process ever saw: about 4.5 KB per patient, for the whole run, in each writing worker.  Not
a timing test: the Python heap (tracemalloc) after many patients' values grows by much less
than that per further patient."""
from __future__ import annotations

import random
import string

from curator.deid import scrub


def _values(seed: int) -> frozenset[str]:
    rng = random.Random(seed)

    def word() -> str:
        return "".join(rng.choice(string.ascii_uppercase) for _ in range(7))

    return frozenset({f"{word()}^{word()}", f"MRN{rng.randint(10**7, 10**8)}", f"{rng.randint(10**7, 10**8)}",
                      f"{word()} {word()} HOSPITAL", f"{word()}^{word()}^^DR", f"{word()} STREET {rng.randint(1, 99)}"})


def test_identifier_value_tables_are_not_kept_per_patient() -> None:
    scrub._compiled.cache_clear()
    for seed in range(3000):
        scrub._compiled(_values(seed))
    assert scrub._compiled.cache_info().currsize <= 1024
    again = scrub._compiled(_values(7))  # forgotten, made again: the same tables
    scrub._compiled.cache_clear()
    assert scrub._compiled(_values(7)) == again
