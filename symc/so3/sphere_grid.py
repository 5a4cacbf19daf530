"""The sphere-grid route of the Gaunt product: evaluate, multiply pointwise, project back (three GEMMs).

For ``f = Σ x_lm Y_lm`` (degree ≤ L1) and ``g = Σ y_lm Y_lm`` (degree ≤ L2), the Gaunt product
``c_lm = ∫ f g Y_lm dΩ`` (l ≤ Lo) integrates a polynomial of degree ≤ L1 + L2 + Lo, so the
Gauss–Legendre × uniform-φ quadrature of ``symc.so3.coupling.sphere_quadrature`` with
``P = (⌊(L1+L2+Lo)/2⌋ + 1)(L1+L2+Lo+1)`` points computes it exactly (the variant of Xie et al.,
"The Price of Freedom", ICML 2025). Features are in the "full" layout: all l = 0..L, index ``l² + l + m``.
Cost per product: ``P · ((L1+1)² + (L2+1)² + (Lo+1)²)`` multiply-adds, i.e. O(L⁴), all in dense GEMMs.
"""

from __future__ import annotations

from functools import lru_cache

import torch
from torch import Tensor

from symc.so3.coupling import sphere_quadrature
from symc.so3.harmonics import spherical_harmonics


def harmonics_upto(lmax: int, points: Tensor) -> Tensor:
    """All real harmonics l = 0..lmax at ``points (P, 3)`` → ``(P, (lmax+1)²)`` in the full layout."""
    return torch.cat([spherical_harmonics(l, points) for l in range(lmax + 1)], dim=-1)


@lru_cache(maxsize=64)
def grid_tables(l1: int, l2: int, lout: int) -> tuple[Tensor, Tensor, Tensor]:
    """float64 ``(evaluate1 ((L1+1)², P), evaluate2 ((L2+1)², P), project (P, (Lo+1)²))``."""
    points, weights = sphere_quadrature(l1 + l2 + lout)
    evaluate1 = harmonics_upto(l1, points).T.contiguous()
    evaluate2 = harmonics_upto(l2, points).T.contiguous()
    project = (weights[:, None] * harmonics_upto(lout, points)).contiguous()
    return evaluate1, evaluate2, project


def grid_product(x: Tensor, y: Tensor, evaluate1: Tensor, evaluate2: Tensor, project: Tensor) -> Tensor:
    """Gaunt product of ``x (..., (L1+1)²)`` and ``y (..., (L2+1)²)`` → ``(..., (Lo+1)²)``; tables as above."""
    return ((x @ evaluate1) * (y @ evaluate2)) @ project
