"""Coupling coefficients of real spherical harmonics: Clebsch–Gordan tensors and Gaunt integrals.

- ``gaunt(l1, l2, l3)[a, b, c] = ∫_{S²} Y_l1^a Y_l2^b Y_l3^c dΩ``, by a quadrature that is exact for
  polynomials of degree l1+l2+l3: Gauss–Legendre in cos θ times a uniform grid in φ.
- ``clebsch_gordan(l1, l2, l3)``: the complex Clebsch–Gordan coefficients from Racah's formula (exact
  integer arithmetic, one square root at the end), moved to the real basis of ``symc.so3.harmonics``.
  The result C satisfies ``D¹ ⊗ D² C = C D³`` for the real Wigner matrices, and as a map
  ``V_l1 ⊗ V_l2 → V_l3`` (rows indexed by the l3 component) it has orthonormal rows:
  ``Σ_ab C[a,b,c] C[a,b,c'] = δ_cc'``. Sign convention: the first entry (in row-major order) whose
  magnitude exceeds 1e-12 is positive. Zero when the triangle condition fails.
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import lru_cache

import numpy as np
import torch

from symc.so3.harmonics import spherical_harmonics


def _check_degrees(*ls: int) -> None:
    if any(not isinstance(l, int) or l < 0 for l in ls):
        raise ValueError(f"degrees must be non-negative integers, got {ls}")


def _triangle(l1: int, l2: int, l3: int) -> bool:
    return abs(l1 - l2) <= l3 <= l1 + l2


def complex_to_real(l: int) -> torch.Tensor:
    """Unitary ``U (2l+1, 2l+1)`` with ``Y_real = U · Y_complex`` (complex Y with Condon–Shortley phase).

    Rows are real m = −l..l, columns complex m = −l..l.
    """
    size = 2 * l + 1
    u = torch.zeros(size, size, dtype=torch.complex128)
    u[l, l] = 1.0
    root = 1.0 / math.sqrt(2.0)
    for m in range(1, l + 1):
        sign = (-1) ** m
        u[l + m, l + m] = sign * root
        u[l + m, l - m] = root
        u[l - m, l - m] = 1j * root
        u[l - m, l + m] = -1j * sign * root
    return u


def _racah(j1: int, m1: int, j2: int, m2: int, j: int, m: int) -> float:
    """⟨j1 m1 j2 m2 | j m⟩ (Condon–Shortley), exact up to the final square root."""
    if m1 + m2 != m or abs(m1) > j1 or abs(m2) > j2 or abs(m) > j:
        return 0.0
    f = math.factorial
    prefactor = Fraction(
        (2 * j + 1) * f(j + j1 - j2) * f(j - j1 + j2) * f(j1 + j2 - j) * f(j + m) * f(j - m),
        f(j1 + j2 + j + 1),
    ) * (f(j1 - m1) * f(j1 + m1) * f(j2 - m2) * f(j2 + m2))
    total = Fraction(0)
    for k in range(0, j1 + j2 - j + 1):
        denominators = (j1 + j2 - j - k, j1 - m1 - k, j2 + m2 - k, j - j2 + m1 + k, j - j1 - m2 + k)
        if min(denominators) < 0:
            continue
        denominator = f(k)
        for value in denominators:
            denominator *= f(value)
        total += Fraction((-1) ** k, denominator)
    if total == 0:
        return 0.0
    magnitude = math.sqrt(prefactor * total * total)
    return magnitude if total > 0 else -magnitude


@lru_cache(maxsize=256)
def _clebsch_gordan_cached(l1: int, l2: int, l3: int) -> torch.Tensor:
    n1, n2, n3 = 2 * l1 + 1, 2 * l2 + 1, 2 * l3 + 1
    if not _triangle(l1, l2, l3):
        return torch.zeros(n1, n2, n3, dtype=torch.float64)
    complex_cg = torch.zeros(n1, n2, n3, dtype=torch.complex128)
    for m1 in range(-l1, l1 + 1):
        for m2 in range(-l2, l2 + 1):
            m3 = m1 + m2
            if abs(m3) <= l3:
                complex_cg[l1 + m1, l2 + m2, l3 + m3] = _racah(l1, m1, l2, m2, l3, m3)
    real = torch.einsum(
        "ai,bj,ck,ijk->abc", complex_to_real(l1), complex_to_real(l2), complex_to_real(l3).conj(), complex_cg
    )
    # The real-basis tensor is real up to a global phase (i for odd l1+l2+l3); rotate it onto the reals.
    part = real.real if real.real.abs().max() >= real.imag.abs().max() else real.imag
    flat = part.flatten()
    first = flat[flat.abs() > 1e-12][0]
    return part * torch.sign(first)


def clebsch_gordan(l1: int, l2: int, l3: int) -> torch.Tensor:
    """Real-basis Clebsch–Gordan tensor ``(2l1+1, 2l2+1, 2l3+1)`` float64 (module docstring for conventions).

    Cost O((2l+1)³ · l) rational operations on first use, cached afterwards.
    """
    _check_degrees(l1, l2, l3)
    return _clebsch_gordan_cached(l1, l2, l3).clone()


def sphere_quadrature(degree: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Points ``(P, 3)`` and weights ``(P,)`` integrating polynomials of ``degree`` on S² exactly."""
    n_theta = degree // 2 + 1
    n_phi = degree + 1
    nodes, weights = np.polynomial.legendre.leggauss(n_theta)
    z = torch.as_tensor(nodes, dtype=torch.float64)
    w = torch.as_tensor(weights, dtype=torch.float64)
    phi = torch.arange(n_phi, dtype=torch.float64) * (2 * math.pi / n_phi)
    ring = torch.sqrt(1.0 - z * z)
    points = torch.stack(
        [
            ring[:, None] * torch.cos(phi)[None, :],
            ring[:, None] * torch.sin(phi)[None, :],
            z[:, None].expand(n_theta, n_phi),
        ],
        dim=-1,
    ).reshape(-1, 3)
    return points, (w[:, None] * (2 * math.pi / n_phi)).expand(n_theta, n_phi).reshape(-1)


@lru_cache(maxsize=256)
def _gaunt_cached(l1: int, l2: int, l3: int) -> torch.Tensor:
    points, weights = sphere_quadrature(l1 + l2 + l3)
    y1, y2, y3 = (spherical_harmonics(l, points) for l in (l1, l2, l3))
    return torch.einsum("p,pa,pb,pc->abc", weights, y1, y2, y3)


def gaunt(l1: int, l2: int, l3: int) -> torch.Tensor:
    """``∫_{S²} Y_l1 Y_l2 Y_l3 dΩ`` as ``(2l1+1, 2l2+1, 2l3+1)`` float64; exact quadrature, cost O(L² · Π(2l+1))."""
    _check_degrees(l1, l2, l3)
    return _gaunt_cached(l1, l2, l3).clone()
