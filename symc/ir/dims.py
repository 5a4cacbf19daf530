"""Dimension arithmetic on the IR, in plain integers, so sizes are checked before anything is allocated."""

from __future__ import annotations

from symc.ir.group import GroupFactor
from symc.ir.rep import (
    DualRep,
    Irrep,
    MultipleRep,
    Orientation,
    Point,
    ProductRep,
    RepExpr,
    RotationFrame,
    SumRep,
    TensorRep,
)

# Families acting on R^d through an affine (d+1)x(d+1) matrix; V is their linear part.
AFFINE_FAMILIES = frozenset({"SE", "E", "T", "Aff+"})
# Families whose rotation part carries O(3) irreps when d = 3.
ROTATION_FAMILIES = frozenset({"SO", "O", "SE", "E"})


def defining_dim(factor: GroupFactor) -> int:
    """Size of the vectors V the factor acts on (``SO+(1,3)``: 4, ``Sp(4)``: 4, ``E(3)``: 3)."""
    if factor.family == "SO+":
        p, q = factor.args
        return int(p) + int(q)
    if factor.family in ("C", "D"):
        return 2
    (size,) = factor.args
    if isinstance(size, str):
        raise ValueError(f"{factor} has a symbolic size; its dimension is known only at run time")
    return int(size)


def carries_o3_irreps(factor: GroupFactor) -> bool:
    return factor.family in ROTATION_FAMILIES and factor.args == (3,)


def rep_dim(rep: RepExpr, factor: GroupFactor) -> int:
    """Dimension of ``rep`` over one geometric factor (Python ints: exact, never overflows)."""
    if isinstance(rep, TensorRep):
        return defining_dim(factor) ** (rep.k + rep.l)
    if isinstance(rep, Irrep):
        return 2 * rep.l + 1
    if isinstance(rep, (Point, Orientation)):
        return defining_dim(factor)
    if isinstance(rep, RotationFrame):
        return defining_dim(factor) ** 2
    if isinstance(rep, SumRep):
        return sum(rep_dim(t, factor) for t in rep.terms)
    if isinstance(rep, ProductRep):
        out = 1
        for f in rep.factors:
            out *= rep_dim(f, factor)
        return out
    if isinstance(rep, DualRep):
        return rep_dim(rep.base, factor)
    if isinstance(rep, MultipleRep):
        return rep.mult * rep_dim(rep.base, factor)
    raise TypeError(f"not a representation expression: {rep!r}")
