"""Wigner D-matrices of the real spherical harmonics, and their Lie-algebra action.

``D^l(R)`` is defined by ``Y_l(R x) = D^l(R) Y_l(x)``; with symc's harmonics ``D^1(R) = R``. It is computed
by least squares on a fixed, well-spread set of N = 4(2l+1) points X (a Fibonacci lattice):
``D(R)ᵀ = pinv(Y(X)) · Y(R X)``. Since ``Y(R X)`` lies exactly in the span of ``Y(X)``, this is exact up to
rounding (the lattice keeps ``Y(X)`` well conditioned). Cost per matrix O(N (2l+1) (l + 2l+1)); the
pseudo-inverse is cached per (l, dtype, device).

The algebra action ``dD(A) = d/dt D(exp(tA))|_{t=0}`` uses the exact Jacobian of Y (automatic differentiation)
along the tangent field ``A x``: ``dD(A)ᵀ = pinv(Y(X)) · (∂Y/∂x)(X) · (A X)``.
"""

from __future__ import annotations

import math

import torch

from symc.so3.harmonics import spherical_harmonics

_PINV_CACHE: dict[tuple[int, torch.dtype, torch.device], tuple[torch.Tensor, torch.Tensor]] = {}
_JACOBIAN_CACHE: dict[tuple[int, torch.dtype, torch.device], torch.Tensor] = {}


def fibonacci_sphere(count: int) -> torch.Tensor:
    """``count`` nearly uniform unit vectors ``(count, 3)`` in float64 (golden-angle spiral)."""
    index = torch.arange(count, dtype=torch.float64) + 0.5
    height = 1.0 - 2.0 * index / count
    radius = torch.sqrt(1.0 - height * height)
    angle = index * math.pi * (3.0 - math.sqrt(5.0))
    return torch.stack([radius * torch.cos(angle), radius * torch.sin(angle), height], dim=-1)


def _fit(l: int, dtype: torch.dtype, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Cached ``(X (N, 3), pinv(Y(X)) (2l+1, N))`` for degree l."""
    key = (l, dtype, device)
    if key not in _PINV_CACHE:
        points = fibonacci_sphere(4 * (2 * l + 1))
        pinv = torch.linalg.pinv(spherical_harmonics(l, points))
        _PINV_CACHE[key] = (points.to(dtype=dtype, device=device), pinv.to(dtype=dtype, device=device))
    return _PINV_CACHE[key]


def _check_matrices(R: torch.Tensor) -> None:
    if R.shape[-2:] != (3, 3):
        raise ValueError(f"expected (..., 3, 3) matrices, got shape {tuple(R.shape)}")


def wigner_D(l: int, R: torch.Tensor) -> torch.Tensor:
    """``D^l(R)`` ``(..., 2l+1, 2l+1)`` for ``R (..., 3, 3)`` with ``Y(R x) = D(R) Y(x)``; differentiable in R.

    For improper R (det −1) this is ``(−1)^l D^l(−R)``, the action on the harmonics themselves.
    """
    _check_matrices(R)
    if l == 0:
        return R.new_ones(*R.shape[:-2], 1, 1)
    if l == 1:  # symc's degree-1 harmonics are the coordinates themselves, so D^1(R) = R exactly
        return R.clone()
    points, pinv = _fit(l, R.dtype, R.device)
    moved = spherical_harmonics(l, points @ R.mT)
    return (pinv @ moved).mT


def _jacobian(l: int, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """Cached exact Jacobian ``∂Y_l/∂x`` at the fit points, ``(N, 2l+1, 3)``."""
    key = (l, dtype, device)
    if key not in _JACOBIAN_CACHE:
        points, _ = _fit(l, torch.float64, torch.device("cpu"))
        # Reverse mode, one pass per harmonic: exact, and torch's forward-mode AD costs seconds to start up.
        with torch.enable_grad():
            leaf = points.clone().requires_grad_(True)
            values = spherical_harmonics(l, leaf)
            rows = [
                torch.autograd.grad(values[:, i].sum(), leaf, retain_graph=True)[0] if l > 0 else torch.zeros_like(leaf)
                for i in range(2 * l + 1)
            ]
        _JACOBIAN_CACHE[key] = torch.stack(rows, dim=1).to(dtype=dtype, device=device)
    return _JACOBIAN_CACHE[key]


def wigner_D_algebra(l: int, A: torch.Tensor) -> torch.Tensor:
    """Lie-algebra action ``dD^l(A)`` ``(..., 2l+1, 2l+1)`` for ``A (..., 3, 3)`` in so(3).

    Satisfies ``D(expm(A)) = expm(dD(A))``; only the skew part of A matters.
    """
    _check_matrices(A)
    points, pinv = _fit(l, A.dtype, A.device)
    tangents = points @ A.mT
    d_harmonics = torch.einsum("nik,...nk->...ni", _jacobian(l, A.dtype, A.device), tangents)
    return (pinv @ d_harmonics).mT
