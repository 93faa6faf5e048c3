"""Over-removal of clinical words in free text of eight languages (freetext18).

Red team 15 found Italian clinical words ("steatosi", "lieve") removed from free text: a release
keeps identifiers out but must stay readable.  The set (tests/data/freetext_clinical_multilingual.yaml,
written for this test, no identifier in it) is cleaned as de-identification cleans free text;
its measure is benchmarks/freetext.py's.
"""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from curator.common.fold import fold
from curator.deid import freetext

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("it", "de", "nl", "es", "pt", "fr", "sv", "pl")


def _bench():
    spec = importlib.util.spec_from_file_location("bench_freetext", ROOT / "benchmarks" / "freetext.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def dev():
    return _bench().over_removal_per_language("dev")


@pytest.mark.parametrize("language", LANGUAGES)
def test_clinical_free_text_keeps_its_words(dev, language):
    """At most 5% of the words of each language's report sentences go (before: 12.5% Spanish to
    55.6% Swedish)."""
    words, removed = dev[language]
    assert words >= 80
    assert removed / words <= 0.05, (language, removed, words)


def test_report_language_of_the_second_round_keeps_its_words():
    """The ``holdout`` part's words of correlation, change, size, position and degenerative disease
    (seen before the vocabulary's second round, so a floor, not an independent figure: that is
    ``holdout2`` in benchmarks/freetext.py): at most 5% go (before: 19.5% French to 57.7% Swedish)."""
    figures = _bench().over_removal_per_language("holdout")
    assert set(figures) == set(LANGUAGES)
    worst = max(figures, key=lambda lang: figures[lang][1] / figures[lang][0])
    assert figures[worst][1] / figures[worst][0] <= 0.05, (worst, figures[worst])


def test_red_team_15_italian_words_stay():
    text = "Steatosi epatica lieve, non lesioni focali."
    assert freetext.clean(text) == text


@pytest.mark.parametrize("text,name", [("Lieve Peeters, controllo", "lieve"), ("seen by Signe", "signe"),
                                       ("Dr. Inga Nowak: ingen blödning", "nowak"),
                                       ("Piccolo, TC torace", "piccolo"), ("Klein, CT thorax", "klein"),
                                       ("Scharf, CT Thorax", "scharf"), ("Meer, CT thorax", "meer")])
def test_names_among_the_clinical_words_still_go(text, name):
    """Guards (pass before too): a clinical word that is a given name in another language still goes
    in a name pattern; one that is a common name of its own language was left out of the vocabulary."""
    cleaned = freetext.clean(text) or ""
    assert name not in {fold(w) for w in re.findall(r"[^\W_]+", cleaned)}, cleaned
