"""What the sub-graph / graph networks ask of a spec beyond their ``Accepts`` (torch-free)."""

from __future__ import annotations

from symc.errors import SymcError
from symc.ir import ModelSpec

ACTIVATIONS = ("relu", "silu", "tanh")  # pointwise maps keep permutation equivariance


def judge(spec: ModelSpec) -> None:
    """Raise one located ``SymcError`` where a graph-locality spec cannot be built."""
    nonlinearity = spec.architecture.nonlinearity
    if nonlinearity is not None and nonlinearity not in ACTIVATIONS:
        raise SymcError(
            f"nonlinearity '{nonlinearity}' is not available for graph models",
            spec.architecture.loc_of("nonlinearity") or spec.loc,
            f"use one of {', '.join(ACTIVATIONS)} (pointwise maps keep permutation equivariance)",
        )
