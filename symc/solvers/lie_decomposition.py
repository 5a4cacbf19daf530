"""GL+(d) and SL(d) through the polar (Cartan) decomposition g = P R (Mironenco & Forré, ICLR 2024).

P = (g gᵀ)^{1/2} is symmetric positive definite and R = P⁻¹ g ∈ SO(d). The Haar measure factorises over
this decomposition, so invariant integrals over the group become independent Monte Carlo integrals over
SO(d) (compact: Haar samples) and over SPD(d) (sampled log-normally, P = exp(S): a localised measure, so
averages over it are approximately — not exactly — invariant; callers report the measured error).
Cost: O(batch · d³) per decomposition or sample.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from symc.groups.sampling import haar_rotation

DEFAULT_SPREAD = 0.3  # standard deviation of the symmetric log S of the SPD factor


def polar(g: Tensor) -> tuple[Tensor, Tensor]:
    """``g (batch, d, d)`` with det > 0 → ``(P, R)``: P symmetric positive definite, R ∈ SO(d), g = P R."""
    evals, evecs = torch.linalg.eigh(g @ g.transpose(-1, -2))
    p = evecs @ torch.diag_embed(evals.sqrt()) @ evecs.transpose(-1, -2)
    p_inv = evecs @ torch.diag_embed(evals.rsqrt()) @ evecs.transpose(-1, -2)
    return p, p_inv @ g


def from_chart(symmetric: Tensor, skew: Tensor) -> Tensor:
    """The global chart ξ(X) = exp(X_sym) exp(X_skew), defined on all of GL+(d): ``(batch, d, d)``."""
    return torch.linalg.matrix_exp(symmetric) @ torch.linalg.matrix_exp(skew)


def sample_polar(
    batch: int,
    d: int,
    *,
    unimodular: bool = False,
    spread: float = DEFAULT_SPREAD,
    generator: torch.Generator | None = None,
    dtype: torch.dtype = torch.float64,
) -> Tensor:
    """Elements ``exp(S) R`` of GL+(d) (SL(d) when ``unimodular``: trace-free S), R Haar on SO(d)."""
    x = torch.randn(batch, d, d, generator=generator, dtype=dtype)
    s = spread * (x + x.transpose(-1, -2)) / 2
    if unimodular:
        s = s - torch.diagonal(s, dim1=-2, dim2=-1).mean(-1)[:, None, None] * torch.eye(d, dtype=dtype)
    rotation = haar_rotation(batch, d, generator).to(dtype)
    return torch.linalg.matrix_exp(s) @ rotation


def group_average(fn: Callable[[Tensor], Tensor], samples: Tensor) -> Tensor:
    """Monte Carlo average ``1/m Σ_k fn(g_k)`` over group samples ``(m, d, d)``; ``fn`` maps ``(m, d, d)`` to
    ``(m, ...)``. With ``samples`` from ``sample_polar`` this integrates over the decomposed measure."""
    return fn(samples).mean(0)


__all__ = ["DEFAULT_SPREAD", "from_chart", "group_average", "polar", "sample_polar"]
