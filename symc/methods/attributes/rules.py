"""What ``method attributes`` asks of a spec beyond its ``Accepts`` (torch-free: the frontend reads it)."""

from __future__ import annotations

from symc.errors import SymcError
from symc.ir import ModelSpec

READOUTS = ("sum", "mean")  # max does not commute with vector outputs


def judge(spec: ModelSpec) -> None:
    """Raise one located ``SymcError`` where a ``method attributes`` spec cannot be built."""
    arch = spec.architecture
    if arch.hidden is not None and not isinstance(arch.hidden, int):
        raise SymcError(
            "method attributes takes a width as `hidden` (its features are invariant)",
            arch.loc_of("hidden") or spec.loc,
            "write e.g. `hidden 64`",
        )
    if arch.readout is not None and arch.readout not in READOUTS:
        raise SymcError(
            f"readout '{arch.readout}' is not available for method attributes",
            arch.loc_of("readout") or spec.loc,
            f"use {' or '.join(READOUTS)} (max does not commute with vector outputs)",
        )
