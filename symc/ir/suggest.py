"""Did-you-mean suggestions for misspelt names.

Candidates are ranked in tiers, best first:

1. the same word ignoring case (``KNN`` → ``knn``, ``So`` → ``SO``);
2. the same letters and digits ignoring case, punctuation and separators (``tensorproduct``,
   ``TensorProduct`` → ``tensor_product``; ``read_out`` → ``readout``; ``gl`` → ``GL+``); ties go
   to the candidate closest as written (``S_O`` → ``SO`` rather than ``SO+``);
3. a similarity in [0, 1] of the normalised words: one minus the optimal-string-alignment
   (Damerau) edit distance over the longer length, so a transposition (``nkn`` → ``knn``,
   ``dytpe`` → ``dtype``) is one edit and, in words of four letters or more, a vowel for a vowel
   half of one (``pear`` → ``pair``); a word that starts the other (``ego_net`` → ``ego``,
   ``attr`` → ``attributes``, at least three letters) scores at least ``PREFIX_SCORE``.
   Ties go to the smaller edit distance as written, then to difflib's ratio, then to the
   candidate listed first.

Tiers 1 and 2 score 1.0 and pass any cutoff; tier 3 must reach ``cutoff`` (0.6: about one edit in
three letters), so nothing absurdly far is ever suggested.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

PREFIX_SCORE = 0.75
_MIN_PREFIX = 3
_NOT_ALPHANUMERIC = re.compile(r"[^0-9a-z]+")
_VOWELS = frozenset("aeiou")
_VOWEL_SWAP = 0.5
_MIN_VOWEL_DISCOUNT = 4


def normalise(word: str) -> str:
    """``word`` in lower case without punctuation or separators: ``"SE_3"``, ``"se(3)"`` → ``"se3"``."""
    return _NOT_ALPHANUMERIC.sub("", word.lower())


def edit_distance(a: str, b: str, vowel_swap: float = _VOWEL_SWAP) -> float:
    """Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps.

    Each costs one edit, except a vowel written for another vowel (``pear`` → ``pair``, ``selu`` →
    ``silu``), which costs ``vowel_swap`` (half of one): the commonest misspelling of a word heard or
    half-remembered.
    """
    if len(a) < len(b):
        a, b = b, a
    before: list[float] | None = None
    previous: list[float] = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current: list[float] = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else vowel_swap if ca in _VOWELS and cb in _VOWELS else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if before is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], before[j - 2] + 1)
        before, previous = previous, current
    return previous[len(b)]


def similarity(word: str, candidate: str) -> float:
    """How close ``candidate`` is to ``word``, in [0, 1] (1.0: the same ignoring case and separators)."""
    a, b = normalise(word), normalise(candidate)
    if not a or not b:  # words of punctuation only ("+"): compare them as written
        a, b = word.lower(), candidate.lower()
    if a == b:
        return 1.0
    shorter, longer = sorted((a, b), key=len)
    # Short names are told apart by single letters (SU and SO): there a vowel costs a whole edit.
    vowel_swap = _VOWEL_SWAP if len(shorter) >= _MIN_VOWEL_DISCOUNT else 1.0
    score = 1.0 - edit_distance(a, b, vowel_swap) / len(longer)
    if len(shorter) >= _MIN_PREFIX and longer.startswith(shorter):
        score = max(score, PREFIX_SCORE)
    return score


def ranked(word: str, candidates: Iterable[str], cutoff: float = 0.6) -> list[str]:
    """The candidates that pass ``cutoff``, best first (see the module docstring for the order)."""
    lower = word.lower()
    keyed = []
    for index, candidate in enumerate(dict.fromkeys(candidates)):
        written = candidate.lower()
        score = similarity(word, candidate)
        if score < cutoff:
            continue
        tier = 0 if written == lower else 1 if score == 1.0 else 2
        ratio = difflib.SequenceMatcher(None, lower, written).ratio()
        keyed.append(((tier, -score, edit_distance(lower, written), -ratio, index), candidate))
    return [candidate for _, candidate in sorted(keyed)]


def closest(word: str, candidates: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The candidate nearest to ``word`` (case-insensitive), or ``None`` if none is close enough."""
    best = ranked(word, candidates, cutoff)
    return best[0] if best else None


def did_you_mean(word: str, candidates: Iterable[str], known_as: str | None = None) -> str:
    """``"did you mean 'knn'?"`` when a candidate is close, else the list of known names."""
    candidates = list(candidates)
    match = closest(word, candidates)
    if match is not None:
        return f"did you mean '{match}'?"
    return f"known {known_as or 'names'}: {', '.join(candidates)}"
