"""Fixed orientation grids on the sphere S^{d−1} (d = 2, 3) for lifting point clouds to position–orientation space.

The grid is not rotated with the input, so a model built on it is equivariant only up to the grid's
quadrature error, which falls as the grid grows (measured in ``tests/test_attributes.py``).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from symc.errors import SymcError


def fibonacci_sphere(n: int, *, dtype: torch.dtype = torch.float64, device: torch.device | None = None) -> Tensor:
    """``(n, 3)`` unit vectors on a Fibonacci lattice: heights ``1 − 2(i + ½)/n``, azimuths stepping by the golden
    angle. Nearly uniform; the quadrature error of ``(1/n) Σ f(o_i)`` for smooth f falls roughly like 1/n. O(n)."""
    if n < 1:
        raise SymcError(f"an orientation grid needs at least one point, got {n}")
    i = torch.arange(n, dtype=dtype, device=device)
    z = 1.0 - 2.0 * (i + 0.5) / n
    azimuth = i * math.pi * (3.0 - math.sqrt(5.0))
    radius = torch.sqrt(torch.clamp(1.0 - z * z, min=0.0))
    return torch.stack([radius * torch.cos(azimuth), radius * torch.sin(azimuth), z], dim=-1)


def circle_grid(n: int, *, dtype: torch.dtype = torch.float64, device: torch.device | None = None) -> Tensor:
    """``(n, 2)`` unit vectors at the angles 2πi/n: exact for trigonometric polynomials of degree < n. O(n)."""
    if n < 1:
        raise SymcError(f"an orientation grid needs at least one point, got {n}")
    angle = torch.arange(n, dtype=dtype, device=device) * (2.0 * math.pi / n)
    return torch.stack([torch.cos(angle), torch.sin(angle)], dim=-1)


def orientation_grid(
    d: int, n: int, *, dtype: torch.dtype = torch.float64, device: torch.device | None = None
) -> Tensor:
    """``(n, d)`` grid on S^{d−1}: a Fibonacci lattice for d = 3, equal angles for d = 2."""
    if d == 3:
        return fibonacci_sphere(n, dtype=dtype, device=device)
    if d == 2:
        return circle_grid(n, dtype=dtype, device=device)
    raise SymcError(f"orientation grids exist for d = 2 and 3, not d = {d}", hint="give orientations as an input")


__all__ = ["circle_grid", "fibonacci_sphere", "orientation_grid"]
