"""Random group elements, float64 on the CPU (the caller casts and moves them).

Distributions, per family (d = size of the linear part):

- compact groups are sampled from their Haar measure: O(d) as the Q factor of a Gaussian matrix with
  the sign fix ``Q diag(sign R_ii)``; SO(d) the same with the first column negated when det = −1;
  finite groups (S(n), C(k), D(k)) uniformly.
- GL+(d): polar form ``g = R exp(S)``, R Haar on SO(d), ``S = σ (X + Xᵀ)/2`` with X i.i.d. N(0, 1) and
  σ = ``SPREAD`` = 0.5 (so diag(S) ~ N(0, σ²), off-diagonal ~ N(0, σ²/2)).
- SL(d): the same with S made trace-free (``S − tr(S)/d · I``), so det g = 1.
- Lorentz SO+(1, q): ``diag(1, R) · B`` with R Haar on SO(q) and B a boost of rapidity N(0, 1) along a
  uniform direction.
- Sp(2d): ``U exp(S)``: U Haar on the maximal compact subgroup Sp(2d) ∩ O(2d) ≅ U(d) (a Haar unitary
  ``X + iY`` embedded as ``[[X, −Y], [Y, X]]``) and S a symmetric element ``[[a, b], [b, −a]]`` of sp(2d)
  with a, b symmetric built like GL+'s S with σ = ``SYMPLECTIC_SPREAD`` = 0.3.
- affine families: the linear part as above (identity for T(d)), translation t ~ N(0, I).

Symmetric exponentials go through ``eigh`` so that they are exact to rounding (det, η and J hold to ~1e-14).
Cost: one QR or eigh per element, O(batch · d³).
"""

from __future__ import annotations

import torch

from symc.groups.algebras import DTYPE

SPREAD = 0.5
SYMPLECTIC_SPREAD = 0.3


def _normal(shape: tuple[int, ...], generator: torch.Generator | None) -> torch.Tensor:
    return torch.randn(shape, generator=generator, dtype=DTYPE)


def haar_orthogonal(batch: int, d: int, generator: torch.Generator | None) -> torch.Tensor:
    """Haar-distributed elements of O(d), ``(batch, d, d)``."""
    q, r = torch.linalg.qr(_normal((batch, d, d), generator))
    signs = torch.sign(torch.diagonal(r, dim1=-2, dim2=-1))
    signs[signs == 0] = 1.0
    return q * signs[:, None, :]


def haar_rotation(batch: int, d: int, generator: torch.Generator | None) -> torch.Tensor:
    """Haar-distributed elements of SO(d), ``(batch, d, d)``: right-multiplying the det = −1 coset of O(d)
    by a fixed reflection maps Haar measure to Haar measure."""
    q = haar_orthogonal(batch, d, generator)
    flip = torch.linalg.det(q) < 0
    q[flip, :, 0] = -q[flip, :, 0]
    return q


def symmetric_exp(s: torch.Tensor) -> torch.Tensor:
    """``exp(S)`` of symmetric ``(batch, d, d)`` matrices through the eigendecomposition."""
    evals, evecs = torch.linalg.eigh(s)
    return (evecs * torch.exp(evals)[:, None, :]) @ evecs.mT


def _random_symmetric(batch: int, d: int, spread: float, generator: torch.Generator | None) -> torch.Tensor:
    x = _normal((batch, d, d), generator)
    return spread * (x + x.mT) / 2


def general_linear_positive(batch: int, d: int, generator: torch.Generator | None) -> torch.Tensor:
    """GL+(d) through the polar decomposition ``R exp(S)`` (module docstring)."""
    rotation = haar_rotation(batch, d, generator)
    return rotation @ symmetric_exp(_random_symmetric(batch, d, SPREAD, generator))


def special_linear(batch: int, d: int, generator: torch.Generator | None) -> torch.Tensor:
    """SL(d) through ``R exp(S)`` with trace-free symmetric S (module docstring)."""
    rotation = haar_rotation(batch, d, generator)
    s = _random_symmetric(batch, d, SPREAD, generator)
    trace = torch.diagonal(s, dim1=-2, dim2=-1).sum(-1)
    s = s - trace[:, None, None] / d * torch.eye(d, dtype=DTYPE)
    return rotation @ symmetric_exp(s)


def lorentz(batch: int, q: int, generator: torch.Generator | None) -> torch.Tensor:
    """SO+(1, q) as rotation × boost (module docstring), ``(batch, q+1, q+1)``."""
    rotation = haar_rotation(batch, q, generator)
    direction = _normal((batch, q), generator)
    direction = direction / direction.norm(dim=-1, keepdim=True)
    rapidity = _normal((batch,), generator)
    cosh, sinh = torch.cosh(rapidity), torch.sinh(rapidity)
    boost = torch.zeros(batch, q + 1, q + 1, dtype=DTYPE)
    boost[:, 0, 0] = cosh
    boost[:, 0, 1:] = sinh[:, None] * direction
    boost[:, 1:, 0] = sinh[:, None] * direction
    outer = direction[:, :, None] * direction[:, None, :]
    boost[:, 1:, 1:] = torch.eye(q, dtype=DTYPE) + (cosh - 1)[:, None, None] * outer
    spatial = torch.zeros(batch, q + 1, q + 1, dtype=DTYPE)
    spatial[:, 0, 0] = 1.0
    spatial[:, 1:, 1:] = rotation
    return spatial @ boost


def haar_unitary(batch: int, d: int, generator: torch.Generator | None) -> torch.Tensor:
    """Haar-distributed U(d) as complex128 ``(batch, d, d)`` (QR of a complex Gaussian, phase fix)."""
    z = torch.complex(_normal((batch, d, d), generator), _normal((batch, d, d), generator))
    q, r = torch.linalg.qr(z)
    diag = torch.diagonal(r, dim1=-2, dim2=-1)
    phases = diag / diag.abs().clamp_min(1e-300)
    return q * phases[:, None, :]


def symplectic(batch: int, d: int, generator: torch.Generator | None) -> torch.Tensor:
    """Sp(2d) as ``U exp(S)`` (module docstring), ``(batch, 2d, 2d)``."""
    u = haar_unitary(batch, d, generator)
    compact = torch.cat([torch.cat([u.real, -u.imag], -1), torch.cat([u.imag, u.real], -1)], -2)
    a = _random_symmetric(batch, d, SYMPLECTIC_SPREAD, generator)
    b = _random_symmetric(batch, d, SYMPLECTIC_SPREAD, generator)
    s = torch.cat([torch.cat([a, b], -1), torch.cat([b, -a], -1)], -2)
    return compact @ symmetric_exp(s)


def uniform_permutations(batch: int, n: int, generator: torch.Generator | None) -> torch.Tensor:
    """Uniform permutation matrices ``(batch, n, n)`` with ``P e_i = e_σ(i)`` (σ from argsort of uniforms)."""
    sigma = torch.argsort(torch.rand(batch, n, generator=generator, dtype=DTYPE), dim=-1)
    p = torch.zeros(batch, n, n, dtype=DTYPE)
    p.scatter_(1, sigma[:, None, :], 1.0)
    return p


def uniform_indices(batch: int, count: int, generator: torch.Generator | None) -> torch.Tensor:
    """``batch`` integers uniform in ``[0, count)``."""
    return torch.randint(0, count, (batch,), generator=generator)
