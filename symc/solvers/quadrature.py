"""Exact quadrature of class functions over the compact catalogue groups.

For a class function f (a character, or a product of characters) ∫_G f(g) dg equals Σ_q w_q f(g_q) for
the nodes and weights below:

- S(n): one permutation per cycle type, weight |class| / n! (exact; n ≤ MAX_SYMMETRIC_DEGREE).
- C(k), D(k): every element, equal weights (exact).
- SO(d), d = 2m or 2m+1: Weyl integration over the maximal torus. Nodes are block-diagonal rotations
  by angles θ_1..θ_m on a uniform grid of ``points`` per angle; weights are proportional to the Weyl density
  Π_{i<j} (cos θ_i − cos θ_j)² (times Π_i sin²(θ_i / 2) for odd d), normalised to sum 1. Characters of
  polynomial reps are trigonometric polynomials in the angles, so the uniform grid is exact as soon as
  ``points`` exceeds their degree plus the density's; callers double ``points`` until two rounds agree.
- O(d): half on SO(d), half on the other component. For odd d that component is −SO(d). For d = 2m it is
  conjugate to blockdiag(R(θ_1), ..., R(θ_{m−1}), diag(1, −1)) with density
  Π_{i<j} (cos θ_i − cos θ_j)² Π_i sin² θ_i (the type-C Weyl density of the twisted torus).

Node count is points^m per component, so this is meant for d ≤ ~8.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from dataclasses import dataclass

import torch

from symc.ir import GroupFactor
from symc.ir.families import FAMILIES, families_where

DTYPE = torch.float64
MAX_SYMMETRIC_DEGREE = 12
# Derived from symc.ir.families: the families with a class-function quadrature here.
COMPACT_FAMILIES = families_where(lambda f: f.quadrature is not None)


@dataclass(frozen=True)
class Quadrature:
    """Group elements ``(q, s, s)`` in the defining matrix rep and weights ``(q,)`` that sum to 1."""

    elements: torch.Tensor
    weights: torch.Tensor


def is_exact(factor: GroupFactor) -> bool:
    """True when the quadrature is finite and exact whatever the integrand (finite groups)."""
    return FAMILIES[factor.family].quadrature == "finite"


def supports_quadrature(factor: GroupFactor) -> bool:
    """Compact factors with concrete sizes that this module can integrate over."""
    if factor.family not in COMPACT_FAMILIES or factor.is_symbolic or factor.piecewise:
        return False
    return factor.family != "S" or int(factor.args[0]) <= MAX_SYMMETRIC_DEGREE


def _rotation(angles: torch.Tensor) -> torch.Tensor:
    cos, sin = torch.cos(angles), torch.sin(angles)
    return torch.stack([torch.stack([cos, -sin], -1), torch.stack([sin, cos], -1)], -2)


def _block_diagonal(angles: torch.Tensor, tail: torch.Tensor) -> torch.Tensor:
    """``angles (q, m)`` rotations followed by the fixed diagonal ``tail (t,)``: ``(q, 2m + t, 2m + t)``."""
    q, m = angles.shape
    size = 2 * m + tail.numel()
    out = torch.zeros(q, size, size, dtype=DTYPE)
    blocks = _rotation(angles)
    for i in range(m):
        out[:, 2 * i : 2 * i + 2, 2 * i : 2 * i + 2] = blocks[:, i]
    for j, value in enumerate(tail.tolist()):
        out[:, 2 * m + j, 2 * m + j] = value
    return out


def _angle_grid(m: int, points: int) -> torch.Tensor:
    """All ``points^m`` angle tuples on the uniform grid, ``(points^m, m)``."""
    axis = 2 * math.pi * torch.arange(points, dtype=DTYPE) / points
    if m == 0:
        return torch.zeros(1, 0, dtype=DTYPE)
    return torch.cartesian_prod(*[axis] * m).reshape(-1, m)


def _pairwise_cosine_density(angles: torch.Tensor) -> torch.Tensor:
    cos = torch.cos(angles)
    density = torch.ones(angles.shape[0], dtype=DTYPE)
    for i in range(angles.shape[1]):
        for j in range(i + 1, angles.shape[1]):
            density = density * (cos[:, i] - cos[:, j]) ** 2
    return density


def _normalised(elements: torch.Tensor, density: torch.Tensor) -> Quadrature:
    return Quadrature(elements, density / density.sum())


def special_orthogonal_quadrature(d: int, points: int) -> Quadrature:
    """Weyl quadrature on SO(d) (module docstring)."""
    m = d // 2
    angles = _angle_grid(m, points)
    density = _pairwise_cosine_density(angles)
    tail = torch.ones(d % 2, dtype=DTYPE)
    if d % 2:
        density = density * torch.prod(torch.sin(angles / 2) ** 2, dim=1)
    return _normalised(_block_diagonal(angles, tail), density)


def _other_orthogonal_component(d: int, points: int) -> Quadrature:
    if d % 2:
        rotations = special_orthogonal_quadrature(d, points)
        return Quadrature(-rotations.elements, rotations.weights)
    angles = _angle_grid(d // 2 - 1, points)
    density = _pairwise_cosine_density(angles) * torch.prod(torch.sin(angles) ** 2, dim=1)
    return _normalised(_block_diagonal(angles, torch.tensor([1.0, -1.0], dtype=DTYPE)), density)


def orthogonal_quadrature(d: int, points: int) -> Quadrature:
    """Weyl quadrature on O(d): the two components with weight 1/2 each."""
    proper = special_orthogonal_quadrature(d, points)
    improper = _other_orthogonal_component(d, points)
    return Quadrature(
        torch.cat([proper.elements, improper.elements]), torch.cat([proper.weights, improper.weights]) / 2
    )


def _integer_partitions(n: int, largest: int | None = None) -> list[tuple[int, ...]]:
    largest = n if largest is None else largest
    if n == 0:
        return [()]
    return [(part, *rest) for part in range(min(n, largest), 0, -1) for rest in _integer_partitions(n - part, part)]


def symmetric_quadrature(n: int) -> Quadrature:
    """S(n) by cycle types: a representative permutation matrix per class, weight |class| / n!."""
    elements, weights = [], []
    for cycle_type in _integer_partitions(n):
        perm, start = [], 0
        for length in cycle_type:
            perm.extend(start + (i + 1) % length for i in range(length))
            start += length
        matrix = torch.zeros(n, n, dtype=DTYPE)
        matrix[perm, list(range(n))] = 1.0
        centraliser = math.prod(length**count * math.factorial(count) for length, count in Counter(cycle_type).items())
        elements.append(matrix)
        weights.append(1.0 / centraliser)
    return Quadrature(torch.stack(elements), torch.tensor(weights, dtype=DTYPE))


def polygon_quadrature(k: int, dihedral: bool) -> Quadrature:
    """C(k) (rotations by 2πj/k) or D(k) (those and their products with diag(1, −1)); equal weights."""
    rotations = _rotation(2 * math.pi * torch.arange(k, dtype=DTYPE) / k)
    elements = rotations
    if dihedral:
        elements = torch.cat([rotations, rotations @ torch.diag(torch.tensor([1.0, -1.0], dtype=DTYPE))])
    return Quadrature(elements, torch.full((elements.shape[0],), 1.0 / elements.shape[0], dtype=DTYPE))


def factor_quadrature(factor: GroupFactor, points: int) -> Quadrature:
    """Quadrature for one compact factor; ``points`` per torus angle is ignored by finite groups."""
    if not supports_quadrature(factor):
        raise ValueError(f"no quadrature for {factor}")
    size = int(factor.args[0])
    if factor.family == "S":
        return symmetric_quadrature(size)
    if factor.family in ("C", "D"):
        return polygon_quadrature(size, dihedral=factor.family == "D")
    if factor.family == "SO":
        return special_orthogonal_quadrature(size, points)
    return orthogonal_quadrature(size, points)


def product_quadrature(parts: list[Quadrature]) -> tuple[tuple[torch.Tensor, ...], torch.Tensor]:
    """Cartesian product of factor quadratures: element tuples (one ``(q, s_i, s_i)`` per factor), weights."""
    indices = list(itertools.product(*[range(p.weights.numel()) for p in parts]))
    columns = list(zip(*indices, strict=True)) if indices else [()] * len(parts)
    elements = tuple(p.elements[list(col)] for p, col in zip(parts, columns, strict=True))
    weights = torch.ones(len(indices), dtype=DTYPE)
    for p, col in zip(parts, columns, strict=True):
        weights = weights * p.weights[list(col)]
    return elements, weights
