"""The 2D-Fourier route of the Gaunt product (Luo, Chen, Krishnapriyan, ICLR 2024).

Parametrise the sphere by the torus ``(θ, φ) ∈ [0, 2π)²`` with ``x = sin θ sin φ, y = cos θ, z = sin θ cos φ``
(polar axis y, as symc's harmonics). Then ``Y_lm`` is a trigonometric polynomial
``Σ_{|u|≤l, v=±|m|} y^{lm}_{uv} e^{i(uθ + vφ)}``: sparse in v. The product of two band-limited functions is
the 2D convolution of their coefficient arrays, done here as "coefficients → torus values (inverse real
FFT) → pointwise product → coefficients (real FFT)" on an ``N × N`` grid, ``N = 2(L1+L2)+1``, which is
exact (no aliasing). Projecting back uses ``c_lm = Σ_uv H_uv Z^{lm}_uv`` with
``Z^{lm}_uv = ∫∫ e^{i(uθ+vφ)} Y_lm sin θ dθ dφ = 2π Σ_u' y^{lm}_{u',−v} I(u+u')``,
``I(k) = ∫_0^π e^{ikθ} sin θ dθ``.

Both conversions exploit the v-sparsity: for each |m| = a they are one small real matrix, applied as a
batched matmul over a, costing O(L³) per product; the FFTs cost O(L² log L). Features use the full
layout (all l = 0..L, index ``l² + l + m``). Conversion tensors are computed in float64/complex128.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import torch
from torch import Tensor

from symc.so3.harmonics import spherical_harmonics


@lru_cache(maxsize=32)
def harmonic_fourier_coefficients(lmax: int) -> Tensor:
    """``y[lm, u mod S, v mod S]`` complex128, ``S = 2·lmax + 1``: Y_lm on the torus as a trig polynomial.

    Sampling a trigonometric polynomial of degree ≤ lmax on S uniform points per axis and taking the FFT
    is exact. Points with θ > π are valid sphere points, so the polynomial harmonics continue correctly.
    """
    size = 2 * lmax + 1
    angles = torch.arange(size, dtype=torch.float64) * (2 * math.pi / size)
    theta, phi = angles[:, None], angles[None, :]
    xyz = torch.stack(
        torch.broadcast_tensors(torch.sin(theta) * torch.sin(phi), torch.cos(theta), torch.sin(theta) * torch.cos(phi)),
        dim=-1,
    )
    values = torch.cat([spherical_harmonics(l, xyz, normalize=False) for l in range(lmax + 1)], dim=-1)
    return torch.fft.fft2(values.permute(2, 0, 1)) / (size * size)


def _theta_integral(k: Tensor) -> Tensor:
    """``I(k) = ∫_0^π e^{ikθ} sin θ dθ`` for integer ``k``: 2/(1−k²) for even k, ±iπ/2 at k = ±1, else 0."""
    even = (k % 2) == 0
    real = torch.where(even, 2.0 / (1.0 - k.double() ** 2), torch.zeros_like(k, dtype=torch.float64))
    imag = torch.where(k.abs() == 1, k.double() * (math.pi / 2), torch.zeros_like(k, dtype=torch.float64))
    return torch.complex(real, imag)


def _slots(lmax: int) -> list[list[tuple[int, int]]]:
    """Per a = |m| = 0..lmax, the (l, m) pairs sharing it: m = +a for l = a..lmax, then m = −a (a > 0)."""
    return [
        [(l, a) for l in range(a, lmax + 1)] + [(l, -a) for l in range(a, lmax + 1) if a > 0] for a in range(lmax + 1)
    ]


@dataclass(frozen=True)
class FourierTables:
    """Conversion tensors of one ``(L1, L2, Lo)`` product (float64; the module casts them).

    ``gather1 (L1+1, K1)``: full-layout index of each (a, slot), ``(L1+1)²`` meaning "zero";
    ``to_fourier1 (L1+1, K1, 2N)``: slot → [Re, Im] of the coefficients ``N² F[u, +a]``, u mod N;
    the same for input 2; ``from_fourier (Lo+1, 2N, Ko)``: [Re, Im] of ``H[u, a]`` → slot values;
    ``scatter (Lo+1)²``: position of each output (l, m) in the flattened ``(Lo+1, Ko)`` slot array.
    """

    grid: int
    gather1: Tensor
    to_fourier1: Tensor
    gather2: Tensor
    to_fourier2: Tensor
    from_fourier: Tensor
    scatter: Tensor


def _to_fourier(lmax: int, grid: int, coefficients: Tensor, source: int) -> tuple[Tensor, Tensor]:
    slots = _slots(lmax)
    width = 2 * (lmax + 1)
    gather = torch.full((lmax + 1, width), (lmax + 1) ** 2, dtype=torch.long)
    table = torch.zeros(lmax + 1, width, 2 * grid, dtype=torch.float64)
    u = torch.arange(-lmax, lmax + 1)
    for a, pairs in enumerate(slots):
        for slot, (l, m) in enumerate(pairs):
            gather[a, slot] = l * l + l + m
            column = coefficients[l * l + l + m, u % source, a % source] * grid * grid
            table[a, slot, u % grid] = column.real
            table[a, slot, grid + u % grid] = column.imag
    return gather, table


@lru_cache(maxsize=32)
def fourier_tables(l1: int, l2: int, lout: int) -> FourierTables:
    """Build the tables of the product of degrees ≤ l1 and ≤ l2 projected on l ≤ lout (≤ l1 + l2).

    Cost O(L⁴) once (the dense θ-integral sum), cached.
    """
    if lout > l1 + l2:
        raise ValueError(f"output degree {lout} exceeds l1 + l2 = {l1 + l2}")
    top = l1 + l2
    grid = 2 * top + 1
    lmax = max(l1, l2, lout)
    source = 2 * lmax + 1
    coefficients = harmonic_fourier_coefficients(lmax)
    gather1, to_fourier1 = _to_fourier(l1, grid, coefficients, source)
    gather2, to_fourier2 = _to_fourier(l2, grid, coefficients, source)

    u = torch.arange(-top, top + 1)
    u_prime = torch.arange(-lmax, lmax + 1)
    integral = _theta_integral(u[:, None] + u_prime[None, :])  # (N, 2·lmax+1)
    slots = _slots(lout)
    width = 2 * (lout + 1)
    from_fourier = torch.zeros(lout + 1, 2 * grid, width, dtype=torch.float64)
    scatter = torch.zeros((lout + 1) ** 2, dtype=torch.long)
    for a, pairs in enumerate(slots):
        for slot, (l, m) in enumerate(pairs):
            scatter[l * l + l + m] = a * width + slot
            row = coefficients[l * l + l + m]
            # Z[u, v] = 2π Σ_u' y[u', −v] I(u + u'), needed at v = +a and v = −a.
            z_plus = 2 * math.pi * integral @ row[u_prime % source, (-a) % source]
            z_minus = 2 * math.pi * integral @ row[u_prime % source, a % source]
            # H[u, −a] = conj(H[−u, a]) for a real product, so fold the v = −a terms onto v = +a.
            folded = z_plus if a == 0 else z_plus + torch.flip(z_minus, dims=(0,)).conj()
            folded = folded / (grid * grid)
            from_fourier[a, u % grid, slot] = folded.real
            from_fourier[a, grid + u % grid, slot] = -folded.imag
    return FourierTables(grid, gather1, to_fourier1, gather2, to_fourier2, from_fourier, scatter)


def torus_values(x: Tensor, gather: Tensor, to_fourier: Tensor, grid: int) -> Tensor:
    """``x (M, d)`` → values ``(M, N, N)`` of the band-limited function on the torus grid.

    ``gather (L+1, K)`` indexes the columns of x per order a = |m| (index d reads a zero), ``to_fourier``
    is the matching table of ``FourierTables``. Cost O(M · L² · N) for the conversion, O(M · N² log N) FFT.
    """
    padded = torch.nn.functional.pad(x, (0, 1))
    by_order = padded[:, gather].transpose(0, 1)  # (L+1, M, K)
    halves = torch.bmm(by_order, to_fourier)  # (L+1, M, 2N)
    spectrum = torch.complex(halves[..., :grid], halves[..., grid:]).permute(1, 2, 0)  # (M, N, L+1)
    spectrum = torch.nn.functional.pad(spectrum, (0, grid // 2 + 1 - spectrum.shape[-1]))
    return torch.fft.irfft2(spectrum, s=(grid, grid))


def project_torus(values: Tensor, from_fourier: Tensor, scatter: Tensor) -> Tensor:
    """Torus values ``(M, N, N)`` → harmonic coefficients ``(M, len(scatter))`` for l ≤ Lo (real FFT + bmm)."""
    spectrum = torch.fft.rfft2(values)[..., : from_fourier.shape[0]]  # (M, N, Lo+1): H[u mod N, a]
    halves = torch.cat([spectrum.real, spectrum.imag], dim=1).permute(2, 0, 1)  # (Lo+1, M, 2N)
    slots = torch.bmm(halves, from_fourier)  # (Lo+1, M, Ko)
    return slots.transpose(0, 1).reshape(values.shape[0], -1)[:, scatter]


def fourier_product(x: Tensor, y: Tensor, tables: FourierTables) -> Tensor:
    """Gaunt product of ``x (M, (L1+1)²)`` and ``y (M, (L2+1)²)`` → ``(M, (Lo+1)²)`` in the full layout.

    The tables must have the dtype of ``x`` and live on its device. Cost O(M · L³ + M · L² log L).
    """
    grid = tables.grid
    product = torus_values(x, tables.gather1, tables.to_fourier1, grid) * torus_values(
        y, tables.gather2, tables.to_fourier2, grid
    )
    return project_torus(product, tables.from_fourier, tables.scatter)
