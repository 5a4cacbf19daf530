"""Lint for ``method basis``: specs that are valid but probably not what the user meant (``RECORD.lint``).

It asks the basis solver how each output can be formed from the inputs:

- no equivariant *linear* map reaches it from an input (e.g. O(3) forbids 1o→1e by parity), but
  products of inputs do (a cross product): a warning naming the maps with no parameters;
- neither linear maps, nor an invariant bias, nor products of two inputs reach it: the output is
  unreachable — the network can only ever output zero there (a single vector can form no
  pseudovector under O(3), because x ⊗ x is symmetric).

Products are checked to second order, which is what the basis network's bilinear layers add per block;
the solver answers from its disk cache when warm, so linting a known spec is cheap.
"""

from __future__ import annotations

import itertools

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
from symc.solvers import solve_equivariant_basis

# Pairs whose map space (dim_in * dim_out) exceeds this are not solved by lint; they count as reachable.
MAX_LINT_PROBLEM = 4096


def lint(spec: ModelSpec) -> list[SymcWarning]:
    """Warnings with locations for a ``method basis`` spec; calls ``symc.solvers``."""
    geometric = GroupSpec(spec.group.geometric_factors)
    if not geometric.factors or any(f.is_symbolic for f in geometric.factors):
        return []
    return [w for field in spec.outputs if (w := _reachability(spec, geometric, field)) is not None]


def _reachability(spec: ModelSpec, geometric: GroupSpec, output: FieldSpec) -> SymcWarning | None:
    target = _linear(output.rep, geometric)
    sources = [_linear(f.rep, geometric) for f in spec.inputs]
    if any(_map_dimension(geometric, source, target) != 0 for source in [*sources, TensorRep(0)]):
        return None
    maps = ", ".join(dict.fromkeys(f"{source}→{target}" for source in sources))
    if _reached_by_products(spec, geometric, target):
        return SymcWarning(
            f"output '{output.name}' has no linear path from the inputs: {geometric} maps {maps} "
            "have no parameters; only products of inputs (e.g. cross products) can form it",
            output.loc,
            "check the parity of the output (SO(3) allows maps that O(3) forbids), or keep it if intended",
        )
    return SymcWarning(
        f"output '{output.name}' is unreachable: {geometric} maps {maps} have no parameters, "
        "it has no invariant part, and no product of two inputs forms it, so it is always zero",
        output.loc,
        "add an input the output can be built from, or check the group "
        "(e.g. SO(3) has maps that O(3) forbids because of parity)",
    )


def _reached_by_products(spec: ModelSpec, geometric: GroupSpec, target: RepExpr) -> bool:
    """Whether some product of two inputs maps equivariantly onto ``target``.

    A global field times itself only offers its symmetric square; per-point fields pair distinct points.
    """
    fields = list(spec.inputs)
    for a, b in itertools.combinations_with_replacement(range(len(fields)), 2):
        rep_a, rep_b = _linear(fields[a].rep, geometric), _linear(fields[b].rep, geometric)
        symmetric_only = a == b and fields[a].order == 0
        if _product_reaches(geometric, rep_a, rep_b, target, symmetric_only):
            return True
    return False


def _product_reaches(group: GroupSpec, left: RepExpr, right: RepExpr, target: RepExpr, symmetric_only: bool) -> bool:
    (factor,) = group.factors
    product = ProductRep((left, right))
    if rep_dim(product, factor) * rep_dim(target, factor) > MAX_LINT_PROBLEM:
        return True
    basis = solve_equivariant_basis(group, product, target).basis
    if not symmetric_only or basis.shape[0] == 0:
        return basis.shape[0] > 0
    d = rep_dim(left, factor)
    square = basis.reshape(basis.shape[0], basis.shape[1], d, d)
    return bool((square + square.transpose(-1, -2)).abs().max() > 1e-9)


def _map_dimension(group: GroupSpec, source: RepExpr, target: RepExpr) -> int | None:
    """Dimension of the equivariant maps ``source → target``; ``None`` when too large to solve here."""
    (factor,) = group.factors
    if rep_dim(source, factor) * rep_dim(target, factor) > MAX_LINT_PROBLEM:
        return None
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
