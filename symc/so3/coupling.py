"""Coupling coefficients of real spherical harmonics: Clebsch–Gordan tensors and Gaunt integrals.

- ``gaunt(l1, l2, l3)[a, b, c] = ∫_{S²} Y_l1^a Y_l2^b Y_l3^c dΩ``, by a quadrature that is exact for
  polynomials of degree l1+l2+l3: Gauss–Legendre in cos θ times a uniform grid in φ.
- ``clebsch_gordan(l1, l2, l3)``: the complex Clebsch–Gordan coefficients from Racah's formula (exact
  integer arithmetic, one rounding and one square root at the end), moved to the real basis of
  ``symc.so3.harmonics``; every l3 of a pair (l1, l2) is computed at once and kept in the symc disk cache.
  The result C satisfies ``D¹ ⊗ D² C = C D³`` for the real Wigner matrices, and as a map
  ``V_l1 ⊗ V_l2 → V_l3`` (rows indexed by the l3 component) it has orthonormal rows:
  ``Σ_ab C[a,b,c] C[a,b,c'] = δ_cc'``. Sign convention: the first entry (in row-major order) whose
  magnitude exceeds 1e-12 is positive. Zero when the triangle condition fails.
"""

from __future__ import annotations

import hashlib
import math
from functools import lru_cache

import numpy as np
import torch

from symc.runtime import disk_cache as cache
from symc.so3.harmonics import spherical_harmonics

# Bump whenever the computation or layout of cached Clebsch–Gordan tensors changes (old entries stop matching).
CG_FORMAT_VERSION = "1"


def _check_degrees(*ls: int) -> None:
    if any(not isinstance(l, int) or l < 0 for l in ls):
        raise ValueError(f"degrees must be non-negative integers, got {ls}")


def _triangle(l1: int, l2: int, l3: int) -> bool:
    return abs(l1 - l2) <= l3 <= l1 + l2


def complex_to_real(l: int) -> torch.Tensor:
    """Unitary ``U (2l+1, 2l+1)`` with ``Y_real = U · Y_complex`` (complex Y with Condon–Shortley phase).

    Rows are real m = −l..l, columns complex m = −l..l.
    """
    return _complex_to_real_cached(l).clone()


@lru_cache(maxsize=64)
def _complex_to_real_cached(l: int) -> torch.Tensor:
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


def _racah_magnitudes(j1: int, j2: int, j: int) -> dict[tuple[int, int], float]:
    """``⟨j1 m1 j2 m2 | j m1+m2⟩`` (Condon–Shortley) for every (m1, m2) with ``|m1+m2| ≤ j``.

    Racah's formula with the alternating sum as an exact integer of binomials,
    ``S = Σ_k (−1)^k C(A,k) C(j+j1−j2, j1−m1−k) C(j−j1+j2, j2+m2−k)`` (``A = j1+j2−j``), so that
    ``C² = (2j+1) S² (j±m)! (j1±m1)! (j2±m2)! / ((j1+j2+j+1)! A! (j+j1−j2)! (j−j1+j2)!)`` is a ratio of
    integers, rounded once (Python's int division is correctly rounded) before the square root: accurate
    to an ulp. O((2j1+1)(2j2+1)·min(j1, j2)) big-integer operations, half of them mirrored.
    """
    f, comb = math.factorial, math.comb
    a, b, c = j1 + j2 - j, j + j1 - j2, j - j1 + j2
    denominator = f(j1 + j2 + j + 1) * f(a) * f(b) * f(c)
    values: dict[tuple[int, int], float] = {}
    mirror_sign = -1.0 if (j1 + j2 - j) % 2 else 1.0  # ⟨j1 −m1 j2 −m2|j −m⟩ = (−1)^(j1+j2−j) ⟨j1 m1 j2 m2|j m⟩
    for m1 in range(j1, -j1 - 1, -1):
        for m2 in range(min(j2, j - m1), max(-j2, -j - m1) - 1, -1):
            if m1 < 0 or (m1 == 0 and m2 < 0):  # the mirror (−m1, −m2) came earlier in this order
                if (-m1, -m2) in values:
                    values[(m1, m2)] = mirror_sign * values[(-m1, -m2)]
                continue
            m = m1 + m2
            low, high = max(0, m2 + j1 - j, j2 - j - m1), min(a, j1 - m1, j2 + m2)
            total = sum(
                (-1) ** k * comb(a, k) * comb(b, j1 - m1 - k) * comb(c, j2 + m2 - k) for k in range(low, high + 1)
            )
            if total == 0:
                continue
            numerator = (
                (2 * j + 1) * total * total * f(j + m) * f(j - m) * f(j1 - m1) * f(j1 + m1) * f(j2 - m2) * f(j2 + m2)
            )
            magnitude = math.sqrt(numerator / denominator)
            values[(m1, m2)] = magnitude if total > 0 else -magnitude
    return values


def _to_real_basis(l1: int, l2: int, l3: int, complex_cg: torch.Tensor) -> torch.Tensor:
    """Move a complex-basis tensor to the real basis, made real and sign-fixed (module docstring)."""
    u1, u2, u3 = _complex_to_real_cached(l1), _complex_to_real_cached(l2), _complex_to_real_cached(l3).conj()
    # Three successive contractions, O(n1 n2 n3 (n1 + n2 + n3)), instead of one four-operand einsum.
    real = torch.tensordot(u1, complex_cg, dims=([1], [0]))
    real = torch.einsum("bj,ajk->abk", u2, real)
    real = torch.einsum("ck,abk->abc", u3, real)
    # The real-basis tensor is real up to a global phase (i for odd l1+l2+l3); rotate it onto the reals.
    part = real.real if real.real.abs().max() >= real.imag.abs().max() else real.imag
    flat = part.flatten()
    first = flat[flat.abs() > 1e-12][0]
    return (part * torch.sign(first)).contiguous()


def _compute_pair(l1: int, l2: int) -> torch.Tensor:
    """Real-basis CG of every l3 = |l1−l2| … l1+l2, concatenated: ``(2l1+1, 2l2+1, (2l1+1)(2l2+1))``."""
    n1, n2 = 2 * l1 + 1, 2 * l2 + 1
    blocks = []
    for l3 in range(abs(l1 - l2), l1 + l2 + 1):
        values = _racah_magnitudes(l1, l2, l3)
        complex_cg = np.zeros((n1, n2, 2 * l3 + 1))
        for (m1, m2), value in values.items():
            complex_cg[l1 + m1, l2 + m2, l3 + m1 + m2] = value
        blocks.append(_to_real_basis(l1, l2, l3, torch.from_numpy(complex_cg).to(torch.complex128)))
    return torch.cat(blocks, dim=-1)


def _pair_problem(l1: int, l2: int) -> str:
    """Canonical text of one cache entry: format version, degrees, basis and number type."""
    return f"symc-clebsch-gordan-v{CG_FORMAT_VERSION}|l1={l1}|l2={l2}|basis=real|dtype=float64|racah-exact-sqrt"


@lru_cache(maxsize=512)
def _pair_cached(l1: int, l2: int) -> torch.Tensor:
    """Every l3 of (l1, l2) from the disk cache (``symc.runtime.disk_cache``), computed and stored on a miss."""
    problem = _pair_problem(l1, l2)
    key = hashlib.sha256(problem.encode()).hexdigest()
    expected = (2 * l1 + 1, 2 * l2 + 1, (2 * l1 + 1) * (2 * l2 + 1))
    entry = cache.load(key, problem)
    if entry is not None and tuple(entry.basis.shape) == expected:
        return entry.basis
    tensors = _compute_pair(l1, l2)
    cache.store(key, problem, tensors, {"l3": list(range(abs(l1 - l2), l1 + l2 + 1))})
    return tensors


def clebsch_gordan(l1: int, l2: int, l3: int) -> torch.Tensor:
    """Real-basis Clebsch–Gordan tensor ``(2l1+1, 2l2+1, 2l3+1)`` float64 (module docstring for conventions).

    The first call for a pair (l1, l2) computes every l3 (O((2l1+1)(2l2+1)·L) big-integer operations and
    O(n1 n2 n3 (n1+n2+n3)) for the change of basis; all pairs with l1, l2 ≤ 10 in a few seconds) or reads
    them from the disk cache (``$SYMC_CACHE_DIR``, checksummed, atomic writes); later calls hit memory.
    """
    _check_degrees(l1, l2, l3)
    if not _triangle(l1, l2, l3):
        return torch.zeros(2 * l1 + 1, 2 * l2 + 1, 2 * l3 + 1, dtype=torch.float64)
    start = sum(2 * l + 1 for l in range(abs(l1 - l2), l3))
    return _pair_cached(l1, l2)[..., start : start + 2 * l3 + 1].clone()


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
