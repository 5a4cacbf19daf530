"""Did-you-mean suggestions for misspelt names."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, candidates: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The candidate nearest to ``word`` (case-insensitive), or ``None`` if none is close enough."""
    by_lower = {c.lower(): c for c in candidates}
    if word.lower() in by_lower:
        return by_lower[word.lower()]
    match = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=cutoff)
    return by_lower[match[0]] if match else None


def did_you_mean(word: str, candidates: Iterable[str], known_as: str | None = None) -> str:
    """``"did you mean 'knn'?"`` when a candidate is close, else the list of known names."""
    candidates = list(candidates)
    match = closest(word, candidates)
    if match is not None:
        return f"did you mean '{match}'?"
    return f"known {known_as or 'names'}: {', '.join(candidates)}"
