"""What ``method basis`` asks of a spec beyond its ``Accepts`` (torch-free: the frontend reads it)."""

from __future__ import annotations

from symc.errors import SymcError
from symc.ir import ModelSpec

READOUTS = ("mean", "sum")  # max does not commute with the equivariant (linear) readout of non-scalar fields


def judge(spec: ModelSpec) -> None:
    """Raise one located ``SymcError`` where a ``method basis`` spec cannot be built."""
    permutations = [f for f in spec.group.factors if f.is_permutation]
    if len(permutations) > 1:
        raise SymcError(
            f"method basis supports at most one S(n) factor; got {spec.group}",
            permutations[1].loc or spec.loc,
            "merge the point sets into one S(n)",
        )
    fields = spec.inputs + spec.outputs
    if not permutations:
        for field in fields:
            if field.order > 0:
                raise SymcError(
                    f"field '{field.name}' is indexed by points but the group has no S(n) factor",
                    field.loc,
                    "add 'x S(n)' to the group",
                )
    if max(f.order for f in fields) > 0 and max(f.order for f in spec.inputs) == 0:
        field = next(f for f in spec.outputs if f.order > 0)
        raise SymcError(
            f"output '{field.name}' is indexed by the point set, but every input is global, so n is unknown",
            field.loc,
            "add a per-point input",
        )
    readout = spec.architecture.readout
    if readout is not None and readout not in READOUTS:
        raise SymcError(
            f"readout '{readout}' is not available for method basis",
            spec.architecture.loc_of("readout") or spec.loc,
            f"use one of {', '.join(READOUTS)}",
        )
