"""``rep(text_or_ir, group)``: realise a representation expression as a tree of ``rep_nodes``.

Sizes are checked in plain integers before any node (or matrix) exists: reps of dimension above
``MAX_DIM`` are refused.
"""

from __future__ import annotations

from symc.errors import SymcError
from symc.groups.catalogue import AnyGroup
from symc.groups.catalogue import group as make_group
from symc.groups.matrix_group import MatrixGroup, ProductGroup
from symc.groups.rep_nodes import (
    Defining,
    DirectSum,
    Dual,
    FactorRep,
    O3Irrep,
    PointRep,
    Rep,
    TensorProductRep,
    Trivial,
)
from symc.ir import (
    DualRep,
    GroupFactor,
    GroupSpec,
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
from symc.ir.dims import rep_dim
from symc.ir.families import FAMILIES
from symc.ir.text import read_rep

MAX_DIM = 10**7
_GEOMETRIC_ONLY = (Point, Orientation, RotationFrame)


def rep(text_or_ir: str | RepExpr, group: AnyGroup | str | GroupSpec | GroupFactor) -> Rep:
    """Realise ``text_or_ir`` (``"T(1,1)"``, ``"2x0e + 1x1o"``, an ``ir.RepExpr``) over ``group``.

    For a product group the rep belongs to the unique non-permutation factor (or the only factor);
    the other factors act trivially. Raises ``SymcError`` for reps the group does not have, ambiguous
    products and dimensions above 10^7.
    """
    g = make_group(group) if isinstance(group, (str, GroupSpec, GroupFactor)) else group
    expr = read_rep(text_or_ir) if isinstance(text_or_ir, str) else text_or_ir
    if not isinstance(expr, RepExpr):
        raise SymcError(f"not a representation: {expr!r}", hint='pass text such as "T(1)" or an ir.RepExpr')
    if isinstance(g, ProductGroup):
        index = acting_factor_index(g)
        base = rep(expr, g.factors[index])
        return FactorRep(group=g, dim=base.dim, text=base.text, index=index, base=base)
    check_dim(expr, g)
    return _realise(expr, g)


def acting_factor_index(g: ProductGroup) -> int:
    """Index of the factor a product group's reps refer to: its unique non-permutation factor, or its only one."""
    if len(g.factors) == 1:
        return 0
    geometric = [i for i, f in enumerate(g.factors) if not f.is_permutation]
    if len(geometric) == 1:
        return geometric[0]
    raise SymcError(
        f"a representation of {g.name} is ambiguous: it has {len(geometric)} non-permutation factors",
        hint="representations refer to the single geometric factor; build the rep on one factor instead",
    )


def check_dim(expr: RepExpr, g: MatrixGroup) -> None:
    dim = rep_dim(expr, g.factor, homogeneous=True, limit=MAX_DIM)  # Rep.dim: a point counts d+1 if affine
    if dim > MAX_DIM:
        raise SymcError(
            f"representation {expr} of {g.name} has dimension {dim if dim < 10**30 else 'above 10^30'}",
            text=str(expr),
            hint=f"symc refuses representations of dimension above {MAX_DIM:.0e}; lower the tensor order",
        )


def _realise(expr: RepExpr, g: MatrixGroup) -> Rep:
    text = str(expr)
    if isinstance(expr, _GEOMETRIC_ONLY) and g.is_permutation:
        raise SymcError(f"{text} needs a geometric group, not {g.name}", text=text, hint="use T(k) or scalars for S(n)")
    if isinstance(expr, TensorRep):
        return _tensor_power(expr, g)
    if isinstance(expr, Irrep):
        return _irrep(expr, g)
    if isinstance(expr, Point):
        return PointRep(group=g, dim=g.matrix_size, text=text)
    if isinstance(expr, Orientation):
        return Defining(group=g, dim=g.linear_size, text=text)
    if isinstance(expr, RotationFrame):
        d = g.linear_size
        identity_block = DirectSum(group=g, dim=d, text=f"{d}xT(0)", terms=(_trivial(g),) * d)
        vector = Defining(group=g, dim=d, text="T(1)")
        return TensorProductRep(group=g, dim=d * d, text=text, factors=(vector, identity_block))
    if isinstance(expr, SumRep):
        terms = tuple(_realise(t, g) for t in expr.terms)
        return DirectSum(group=g, dim=sum(t.dim for t in terms), text=text, terms=terms)
    if isinstance(expr, MultipleRep):
        base = _realise(expr.base, g)
        return DirectSum(group=g, dim=expr.mult * base.dim, text=text, terms=(base,) * expr.mult)
    if isinstance(expr, ProductRep):
        factors = tuple(_realise(f, g) for f in expr.factors)
        dim = 1
        for f in factors:
            dim *= f.dim
        return TensorProductRep(group=g, dim=dim, text=text, factors=factors)
    if isinstance(expr, DualRep):
        base = _realise(expr.base, g)
        return Dual(group=g, dim=base.dim, text=text, base=base)
    raise SymcError(f"not a representation expression: {expr!r}")


def _trivial(g: MatrixGroup) -> Trivial:
    return Trivial(group=g, dim=1, text="T(0)")


def _tensor_power(expr: TensorRep, g: MatrixGroup) -> Rep:
    """``T(k,l) = V^{⊗k} ⊗ (V*)^{⊗l}``, V factors first; ``T(0)`` is trivial and ``T(1)`` is V itself."""
    text = str(expr)
    if expr.k + expr.l == 0:
        return Trivial(group=g, dim=1, text=text)
    d = g.linear_size
    vector = Defining(group=g, dim=d, text="T(1)")
    covector = Dual(group=g, dim=d, text="T(0,1)", base=vector)
    factors = (vector,) * expr.k + (covector,) * expr.l
    if len(factors) == 1:
        only = factors[0]
        return Defining(group=g, dim=d, text=text) if only is vector else covector
    return TensorProductRep(group=g, dim=d ** len(factors), text=text, factors=factors)


def _irrep(expr: Irrep, g: MatrixGroup) -> Rep:
    if not FAMILIES[g.factor.family].has_irreps((g.linear_size,)):
        raise SymcError(
            f"irrep {expr} does not exist for {g.name}",
            text=str(expr),
            hint="irreps like 2o exist only for O(3)/SO(3)/E(3)/SE(3); use T(k,l)",
        )
    return O3Irrep(group=g, dim=2 * expr.l + 1, text=str(expr), l=expr.l, parity=expr.parity)
