"""How a group element moves a field tensor: geometric factors on the feature axis, S(n) on the set axes.

Field tensors carry a leading batch axis: global ``(batch, dim)``, per point ``(batch, n, dim)``, per
pair ``(batch, n, n, dim)``. A point field has d entries and moves as ``x ↦ A x + t``; everything else
moves by ``rho(g)`` of its rep. S(n) permutes points consistently with ``P e_i = e_σ(i)``: the value at
point i moves to point σ(i), i.e. ``x ↦ P x`` along each set axis.
"""

from __future__ import annotations

import torch

from symc.errors import SymcError
from symc.groups.catalogue import AnyGroup
from symc.groups.matrix_group import MatrixGroup, ProductGroup
from symc.groups.rep_nodes import DirectSum, FactorRep, PointRep, Rep
from symc.groups.reps import rep
from symc.ir import FieldSpec, GroupSpec, Point
from symc.ir.dims import rep_dim
from symc.ir.families import FAMILIES
from symc.ir.rep import DualRep, Irrep, MultipleRep, ProductRep, RepExpr, SumRep, TensorRep

Element = torch.Tensor | tuple[torch.Tensor, ...]


def field_shape(group_spec: GroupSpec, field: FieldSpec) -> tuple[int | str, ...]:
    """Per-sample shape of a field with symbolic sizes: ``(dim,)``, ``("n", dim)`` or ``("n", "n", dim)``.

    The set size is the S(n) factor's argument (symbolic or not), ``"n"`` when there is no S(n) factor.
    ``dim`` counts field entries (a point has d, not d+1). With no geometric factor only scalar reps
    (``T(0)``, ``3xT(0)``, ``0e``…) make sense and anything else raises ``SymcError``.
    """
    geometric = group_spec.geometric_factors
    if len(geometric) > 1:
        raise SymcError(
            f"fields of {group_spec} are ambiguous: it has {len(geometric)} geometric factors",
            hint="a field's representation refers to the single geometric factor",
        )
    _check_point_placement(field.rep, FAMILIES[geometric[0].family].affine if geometric else False)
    dim = rep_dim(field.rep, geometric[0]) if geometric else _scalar_dim(field.rep, group_spec)
    perm = group_spec.permutation_factor
    n = perm.args[0] if perm is not None else "n"
    return (n,) * field.order + (dim,)


def _scalar_dim(expr: RepExpr, group_spec: GroupSpec) -> int:
    """Dimension of a rep of a group without geometric factors: only sums/multiples of scalars."""
    if isinstance(expr, SumRep):
        return sum(_scalar_dim(t, group_spec) for t in expr.terms)
    if isinstance(expr, MultipleRep):
        return expr.mult * _scalar_dim(expr.base, group_spec)
    if isinstance(expr, ProductRep):
        out = 1
        for f in expr.factors:
            out *= _scalar_dim(f, group_spec)
        return out
    if isinstance(expr, DualRep):
        return _scalar_dim(expr.base, group_spec)
    if (isinstance(expr, TensorRep) and expr.k + expr.l == 0) or (isinstance(expr, Irrep) and expr == Irrep(0, 1)):
        return 1
    raise SymcError(
        f"{group_spec} has no geometric factor, so a field cannot carry {expr}",
        text=str(expr),
        hint="with only S(n), per-point features are scalars: write e.g. 3xT(0)",
    )


def _check_point_placement(expr: RepExpr, affine: bool) -> None:
    """Affine points have d entries but a (d+1)-dim rep; allow them only at the top or inside sums."""
    if isinstance(expr, SumRep):
        for t in expr.terms:
            _check_point_placement(t, affine)
    elif isinstance(expr, MultipleRep):
        _check_point_placement(expr.base, affine)
    elif affine and isinstance(expr, (ProductRep, DualRep)) and _contains_point(expr):
        raise SymcError(
            f"a point of an affine group cannot appear inside {expr}",
            text=str(expr),
            hint="points transform affinely; combine them only in sums (e.g. point + 1o)",
        )


def _contains_point(expr: RepExpr) -> bool:
    if isinstance(expr, Point):
        return True
    if isinstance(expr, SumRep):
        return any(_contains_point(t) for t in expr.terms)
    if isinstance(expr, ProductRep):
        return any(_contains_point(f) for f in expr.factors)
    if isinstance(expr, (DualRep, MultipleRep)):
        return _contains_point(expr.base)
    return False


def act_on_field(group: AnyGroup, field: FieldSpec, g: Element, x: torch.Tensor) -> torch.Tensor:
    """Apply one group element per batch item to a field tensor ``x`` (shapes in the module docstring).

    ``g`` is what ``group.sample(batch)`` returns. Cost: O(batch · n^order · dim²) for the feature axis
    (less for structured reps) plus O(batch · n^{order+1} · dim) for the permutation.
    """
    factors = group.factors if isinstance(group, ProductGroup) else (group,)
    elements = g if isinstance(g, tuple) else (g,)
    if len(elements) != len(factors):
        raise ValueError(f"{group.name} needs {len(factors)} element tensors, got {len(elements)}")
    geometric = [i for i, f in enumerate(factors) if not f.is_permutation]
    out = x
    if geometric:
        _check_point_placement(field.rep, factors[geometric[0]].affine)
        realised = rep(field.rep, group)
        out = _act_on_features(realised, g, out)
    else:
        _scalar_dim(field.rep, GroupSpec(tuple(f.factor for f in factors)))
    for f, element in zip(factors, elements, strict=True):
        if f.is_permutation:
            out = _permute(element, out, field.order)
    return out


def _act_on_features(realised: Rep, g: Element, x: torch.Tensor) -> torch.Tensor:
    """Apply ``realised`` to the last axis of ``x (batch, ..., dim)``; points move affinely."""
    batch, dim = x.shape[0], x.shape[-1]
    flat = x.reshape(batch, -1, dim).transpose(1, 2)
    moved = _apply_field_rep(realised, g, flat)
    return moved.transpose(1, 2).reshape(x.shape)


def _field_dim(node: Rep) -> int:
    if isinstance(node, FactorRep):
        return _field_dim(node.base)
    if isinstance(node, PointRep) and node.group.affine:
        return node.group.linear_size
    if isinstance(node, DirectSum):
        return sum(_field_dim(t) for t in node.terms)
    return node.dim


def _apply_field_rep(node: Rep, g: Element, x: torch.Tensor) -> torch.Tensor:
    """``x (batch, field_dim, m)`` → transformed, with affine points as ``A x + t``."""
    if isinstance(node, FactorRep):
        return _apply_field_rep(node.base, g[node.index], x)
    if isinstance(node, PointRep) and node.group.affine:
        return _move_points(node.group, g, x)
    if isinstance(node, DirectSum):
        parts = torch.split(x, [_field_dim(t) for t in node.terms], dim=1)
        return torch.cat([_apply_field_rep(t, g, p) for t, p in zip(node.terms, parts, strict=True)], dim=1)
    return node.rho_apply(g, x)


def _move_points(group: MatrixGroup, g: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return group.linear_part(g) @ x + group.translation_part(g)[:, :, None]


def _permute(p: torch.Tensor, x: torch.Tensor, order: int) -> torch.Tensor:
    """Apply permutation matrices ``p (batch, n, n)`` along the ``order`` set axes of ``x (batch, n.., dim)``."""
    p = p.to(dtype=x.dtype)
    if order == 0:
        return x
    if order == 1:
        return torch.einsum("bij,bjc->bic", p, x)
    if order == 2:
        return torch.einsum("bij,bjkc,blk->bilc", p, x, p)
    raise SymcError(f"field order {order} is not supported", hint="fields are global, per point or per pair")
