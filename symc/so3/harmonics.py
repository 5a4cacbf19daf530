"""Real spherical harmonics in symc's convention.

Orthonormal on S² (∫ Y_lm Y_l'm' dΩ = δ δ), ordered m = −l..l, no Condon–Shortley phase, and evaluated
with the polar axis along y: the textbook formulas in (x', y', z') = (z, x, y). Hence the l = 1 block is
``sqrt(3/4π) · (x, y, z)`` and the Wigner matrix of l = 1 is the rotation itself.

Construction (no factorials, stable to high l): with ``Y_l^m = sqrt(2) q_l^m(z') · Re/Im (x' + i y')^m``,
the reduced Legendre factors q obey the normalised three-term recurrence
``q_m^m = q_{m−1}^{m−1} sqrt((2m+1)/(2m))``, ``q_{m+1}^m = sqrt(2m+3) z q_m^m``,
``q_l^m = a_lm (z q_{l−1}^m − b_lm r² q_{l−2}^m)`` with ``a = sqrt((4l²−1)/(l²−m²))``,
``b = sqrt(((l−1)²−m²)/(4(l−1)²−1))``; keeping ``r²`` makes every Y_l a homogeneous polynomial of degree l.
Cost O(l²) per point.
"""

from __future__ import annotations

import math

import torch


def spherical_harmonics(l: int, xyz: torch.Tensor, normalize: bool = True) -> torch.Tensor:
    """Real spherical harmonics of degree ``l`` at ``xyz (..., 3)`` → ``(..., 2l+1)``, ordered m = −l..l.

    With ``normalize=False`` the homogeneous polynomial ``|x|^l Y_l(x/|x|)`` is returned instead.
    Differentiable (plain torch ops, polynomial in the coordinates).
    """
    if l < 0:
        raise ValueError(f"degree must be non-negative, got {l}")
    if normalize:
        xyz = xyz / xyz.norm(dim=-1, keepdim=True)
    # Textbook axes: x' = z, y' = x, z' = y.
    xp, yp, zp = xyz[..., 2], xyz[..., 0], xyz[..., 1]
    r2 = xp * xp + yp * yp + zp * zp
    reduced = _reduced_legendre(l, zp, r2)
    cos_part, sin_part = _azimuthal_powers(l, xp, yp)
    root2 = math.sqrt(2.0)
    negative = [root2 * reduced[m] * sin_part[m] for m in range(l, 0, -1)]
    positive = [root2 * reduced[m] * cos_part[m] for m in range(1, l + 1)]
    return torch.stack([*negative, reduced[0] * torch.ones_like(zp), *positive], dim=-1)


def _reduced_legendre(l: int, z: torch.Tensor, r2: torch.Tensor) -> list[torch.Tensor | float]:
    """``q_l^m`` for m = 0..l at fixed l, each homogeneous of degree l − m (scalars where constant)."""
    out: list[torch.Tensor | float] = []
    diagonal = 1.0 / math.sqrt(4.0 * math.pi)
    for m in range(l + 1):
        if m > 0:
            diagonal *= math.sqrt((2 * m + 1) / (2 * m))
        prev2: torch.Tensor | float = 0.0
        prev: torch.Tensor | float = diagonal
        for degree in range(m + 1, l + 1):
            a = math.sqrt((4 * degree * degree - 1) / (degree * degree - m * m))
            b = math.sqrt(((degree - 1) ** 2 - m * m) / (4 * (degree - 1) ** 2 - 1))
            prev2, prev = prev, a * (z * prev - b * r2 * prev2)
        out.append(prev)
    return out


def _azimuthal_powers(l: int, x: torch.Tensor, y: torch.Tensor) -> tuple[list, list]:
    """Real and imaginary parts of ``(x + i y)^m`` for m = 0..l."""
    re: list[torch.Tensor | float] = [1.0]
    im: list[torch.Tensor | float] = [0.0]
    for _ in range(l):
        re.append(re[-1] * x - im[-1] * y)
        im.append(re[-2] * y + im[-1] * x)
    return re, im
