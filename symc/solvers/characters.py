"""Predicted dimensions of equivariant-map spaces from characters, independently of any null space.

For real representations of a compact group, dim Hom_G(V, W) = ∫_G χ_V(g) χ_W(g) dg. Characters are
evaluated structurally on the rep tree (sums add, tensor products multiply, duals of real reps of compact
groups have the same character, a factor rep reads its own factor), with traces only at the leaves. The
integral uses the exact quadratures of :mod:`symc.solvers.quadrature`; for torus quadratures the number of
points per angle is chosen from the polynomial degree of the integrand, so the sum is exact up to rounding.
Products of groups integrate over the Cartesian product of factor quadratures.

Non-compact groups (GL+, SL, Lorentz, Sp, affine families) and reps with leaves of unknown degree give
``None``: their bases are still certified by residual and gap, just not by an independent count.
"""

from __future__ import annotations

import torch

from symc.errors import SymcError
from symc.groups import MatrixGroup, ProductGroup
from symc.groups.rep_nodes import Defining as DefiningRep
from symc.groups.rep_nodes import (
    DirectSum,
    Dual,
    FactorRep,
    O3Irrep,
    PointRep,
    Rep,
    TensorProductRep,
    Trivial,
)
from symc.solvers.quadrature import factor_quadrature, product_quadrature, supports_quadrature

Element = torch.Tensor | tuple[torch.Tensor, ...]
# Integer tolerance: quadrature sums are exact up to rounding, so anything farther from an integer is a bug.
INTEGER_TOLERANCE = 1e-6
# Refuse to integrate over more nodes than this (memory for leaf traces grows with it).
MAX_NODES = 2_000_000


def character(rep: Rep, g: Element) -> torch.Tensor:
    """χ(g) for elements ``g`` (``(q, s, s)`` or a tuple of them): ``(q,)``."""
    if isinstance(rep, DirectSum):
        return sum(character(term, g) for term in rep.terms)
    if isinstance(rep, TensorProductRep):
        out = character(rep.factors[0], g)
        for factor in rep.factors[1:]:
            out = out * character(factor, g)
        return out
    if isinstance(rep, Dual):
        return character(rep.base, g)
    if isinstance(rep, FactorRep):
        return character(rep.base, g[rep.index])
    return torch.diagonal(rep.rho(g), dim1=-2, dim2=-1).sum(-1)


def degree(rep: Rep) -> int | None:
    """Degree of χ as a trigonometric polynomial in the torus angles; None for unknown leaves.

    ``FactorRep`` contributes its base's degree (a bound over all factors is enough for the grid).
    """
    if isinstance(rep, DirectSum):
        parts = [degree(t) for t in rep.terms]
        return None if None in parts else max(parts)
    if isinstance(rep, TensorProductRep):
        parts = [degree(f) for f in rep.factors]
        return None if None in parts else sum(parts)
    if isinstance(rep, (Dual, FactorRep)):
        return degree(rep.base)
    if isinstance(rep, Trivial):
        return 0
    if isinstance(rep, (DefiningRep, PointRep)):
        return 1
    if isinstance(rep, O3Irrep):
        return rep.l
    return None


def _factors(group: MatrixGroup | ProductGroup) -> tuple[MatrixGroup, ...]:
    return group.factors if isinstance(group, ProductGroup) else (group,)


def predicted_dimension(group: MatrixGroup | ProductGroup, rep_in: Rep, rep_out: Rep) -> int | None:
    """dim Hom_G(rep_in, rep_out) by character quadrature, or None where it does not apply (module doc).

    Cost: (number of nodes) × (leaf trace cost); nodes are points^m per torus of rank m
    (m = ⌊d/2⌋ for SO(d)/O(d)), the number of conjugacy classes for S(n), 2k for D(k).
    Raises ``SymcError`` if the integral is not an integer (which would be a bug, not a user error).
    """
    factors = _factors(group)
    if not all(supports_quadrature(f.factor) for f in factors):
        return None
    degrees = (degree(rep_in), degree(rep_out))
    if None in degrees:
        return None
    torus_rank = max(f.matrix_size // 2 for f in factors)
    # Characters have degree ≤ deg_in + deg_out per angle and the Weyl density ≤ 2·rank.
    points = degrees[0] + degrees[1] + 2 * torus_rank + 2
    parts = [factor_quadrature(f.factor, points) for f in factors]
    nodes = 1
    for part in parts:
        nodes *= part.weights.numel()
    if nodes > MAX_NODES:
        return None
    elements, weights = product_quadrature(parts)
    g = elements if isinstance(group, ProductGroup) else elements[0]
    value = float((weights * character(rep_in, g) * character(rep_out, g)).sum())
    rounded = round(value)
    if abs(value - rounded) > INTEGER_TOLERANCE:
        raise SymcError(
            f"the character integral for {group.name}: {rep_in} -> {rep_out} is {value!r}, not an integer",
            hint="this is a bug in the quadrature or the representation; please report it",
        )
    return rounded
