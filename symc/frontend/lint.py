"""Lint: specs that are valid but probably not what the user meant.

The one check today asks the basis solver whether each output of a ``method basis`` model can be
reached from the inputs at all: if every input→output map has a zero-dimensional equivariant basis
and the output has no invariant (bias) component either, the output can only ever be zero.
Solved bases come from the solver's disk cache when warm, so linting a known spec is cheap.
"""

from __future__ import annotations

from symc.errors import SymcWarning
from symc.ir import (
    DualRep,
    FieldSpec,
    GroupSpec,
    ModelSpec,
    MultipleRep,
    Orientation,
    Point,
    ProductRep,
    RepExpr,
    RotationFrame,
    SumRep,
    TensorRep,
)
from symc.ir.dims import defining_dim, rep_dim

# Pairs whose map space (dim_in * dim_out) exceeds this are not solved by lint; they count as reachable.
MAX_LINT_PROBLEM = 4096


def lint(spec: ModelSpec) -> list[SymcWarning]:
    """Warnings with locations for ``spec``; calls ``symc.solvers`` for ``method basis`` models."""
    if spec.method.name != "basis":
        return []
    geometric = GroupSpec(spec.group.geometric_factors)
    if not geometric.factors or any(f.is_symbolic for f in geometric.factors):
        return []
    return [w for field in spec.outputs if (w := _unreachable(spec, geometric, field)) is not None]


def _unreachable(spec: ModelSpec, geometric: GroupSpec, output: FieldSpec) -> SymcWarning | None:
    target = _linear(output.rep, geometric)
    maps = [f"{_linear(f.rep, geometric)}→{target}" for f in spec.inputs]
    for source in [_linear(f.rep, geometric) for f in spec.inputs] + [TensorRep(0)]:
        if _map_dimension(geometric, source, target) != 0:
            return None
    return SymcWarning(
        f"output '{output.name}' is unreachable: {geometric} maps {', '.join(dict.fromkeys(maps))} "
        "have no parameters, and it has no invariant part, so it is always zero",
        output.loc,
        "add an input the output can be built from, or check the group "
        "(e.g. SO(3) has maps that O(3) forbids because of parity)",
    )


def _map_dimension(group: GroupSpec, source: RepExpr, target: RepExpr) -> int | None:
    """Dimension of the equivariant maps ``source → target``; ``None`` when too large to solve here."""
    (factor,) = group.factors
    if rep_dim(source, factor) * rep_dim(target, factor) > MAX_LINT_PROBLEM:
        return None
    from symc.solvers import solve_equivariant_basis

    return solve_equivariant_basis(group, source, target).dim


def _linear(rep: RepExpr, group: GroupSpec) -> RepExpr:
    """``rep`` with affine/constrained objects replaced by the linear reps they transform like.

    A point (after centring) and an orientation move like a vector; a rotation frame like d vectors.
    """
    if isinstance(rep, (Point, Orientation)):
        return TensorRep(1)
    if isinstance(rep, RotationFrame):
        return MultipleRep(defining_dim(group.factors[0]), TensorRep(1))
    if isinstance(rep, SumRep):
        return SumRep(tuple(_linear(t, group) for t in rep.terms))
    if isinstance(rep, ProductRep):
        return ProductRep(tuple(_linear(f, group) for f in rep.factors))
    if isinstance(rep, DualRep):
        return DualRep(_linear(rep.base, group))
    if isinstance(rep, MultipleRep):
        return MultipleRep(rep.mult, _linear(rep.base, group))
    return rep
