"""Dimension arithmetic on the IR, in plain integers, so sizes are checked before anything is allocated.

``rep_dim`` is the one dimension function of the project. By default it counts the entries of a field's
feature vector (a ``point`` of an affine group has d entries, ``x ↦ A x + t``); ``homogeneous=True`` counts
the size of the representation matrices instead (a ``point`` is then the homogeneous ``[x; 1]``, of size
``matrix_size``: d+1 for affine families, d otherwise). ``symc.groups.Rep.dim`` is the homogeneous count.
"""

from __future__ import annotations

from symc.ir.families import FAMILIES, families_where
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

# Derived from the family table, kept for callers outside the table's owners.
AFFINE_FAMILIES = families_where(lambda f: f.affine)
ROTATION_FAMILIES = families_where(lambda f: f.irreps == "o3")


def defining_dim(factor: GroupFactor) -> int:
    """Size of the vectors V the factor acts on (``SO+(1,3)``: 4, ``Sp(4)``: 4, ``E(3)``: 3)."""
    return FAMILIES[factor.family].defining_dim(factor.args)


def matrix_size(factor: GroupFactor) -> int:
    """Size of the factor's group matrices: ``defining_dim`` + 1 for affine families."""
    return FAMILIES[factor.family].matrix_size(factor.args)


def carries_o3_irreps(factor: GroupFactor) -> bool:
    return FAMILIES[factor.family].has_irreps(factor.args)


def rep_dim(rep: RepExpr, factor: GroupFactor, *, homogeneous: bool = False, limit: int | None = None) -> int:
    """Dimension of ``rep`` over one geometric factor (Python ints: exact, never overflows).

    ``homogeneous``: count a ``point`` as its matrix size (module docstring). ``limit``: stop multiplying as
    soon as a partial size exceeds it (the result is then some number above ``limit``), so absurd
    exponents cost nothing.
    """

    def dim(node: RepExpr) -> int:
        if isinstance(node, TensorRep):
            return _power(defining_dim(factor), node.k + node.l, limit)
        if isinstance(node, Irrep):
            return 2 * node.l + 1
        if isinstance(node, Point):
            return matrix_size(factor) if homogeneous else defining_dim(factor)
        if isinstance(node, Orientation):
            return defining_dim(factor)
        if isinstance(node, RotationFrame):
            return defining_dim(factor) ** 2
        if isinstance(node, SumRep):
            return sum(dim(t) for t in node.terms)
        if isinstance(node, ProductRep):
            out = 1
            for f in node.factors:
                out *= dim(f)
                if limit is not None and out > limit:
                    return out
            return out
        if isinstance(node, DualRep):
            return dim(node.base)
        if isinstance(node, MultipleRep):
            return node.mult * dim(node.base)
        raise TypeError(f"not a representation expression: {node!r}")

    return dim(rep)


def _power(base: int, exponent: int, limit: int | None) -> int:
    if limit is None or base <= 1:
        return base**exponent
    out = 1
    for _ in range(exponent):
        out *= base
        if out > limit:
            return out
    return out
