"""Generators of the catalogue families: Lie-algebra bases and discrete generators, as float64 tensors.

Every function returns a stack ``(r, s, s)`` (``r`` may be 0). Conventions follow DESIGN.md: Lorentz
generators preserve ``η = diag(+1, −1, …, −1)``, symplectic ones ``J = [[0, I], [−I, 0]]``.
"""

from __future__ import annotations

import math

import torch

DTYPE = torch.float64


def unit(i: int, j: int, size: int) -> torch.Tensor:
    """The matrix unit ``E_ij`` of shape ``(size, size)``."""
    e = torch.zeros(size, size, dtype=DTYPE)
    e[i, j] = 1.0
    return e


def stack(mats: list[torch.Tensor], size: int) -> torch.Tensor:
    """Stack a possibly empty list of ``(size, size)`` matrices into ``(r, size, size)``."""
    if not mats:
        return torch.zeros(0, size, size, dtype=DTYPE)
    return torch.stack(mats)


def rotation_algebra(d: int) -> torch.Tensor:
    """so(d): ``E_ij − E_ji`` for ``i < j`` in lexicographic order, ``(d(d−1)/2, d, d)``."""
    return stack([unit(i, j, d) - unit(j, i, d) for i in range(d) for j in range(i + 1, d)], d)


def general_linear_algebra(d: int) -> torch.Tensor:
    """gl(d): every matrix unit ``E_ij`` in row-major order, ``(d², d, d)``."""
    return stack([unit(i, j, d) for i in range(d) for j in range(d)], d)


def special_linear_algebra(d: int) -> torch.Tensor:
    """sl(d): off-diagonal units then ``E_ii − E_{i+1,i+1}``, ``(d² − 1, d, d)``."""
    off = [unit(i, j, d) for i in range(d) for j in range(d) if i != j]
    diag = [unit(i, i, d) - unit(i + 1, i + 1, d) for i in range(d - 1)]
    return stack(off + diag, d)


def lorentz_algebra(q: int) -> torch.Tensor:
    """so+(1, q) on (t, x_1..x_q): spatial rotations, then boosts ``E_0i + E_i0``; ``(q(q+1)/2, q+1, q+1)``."""
    size = q + 1
    rotations = [unit(i, j, size) - unit(j, i, size) for i in range(1, size) for j in range(i + 1, size)]
    boosts = [unit(0, i, size) + unit(i, 0, size) for i in range(1, size)]
    return stack(rotations + boosts, size)


def symplectic_form(d: int) -> torch.Tensor:
    """``J = [[0, I_d], [−I_d, 0]]``, shape ``(2d, 2d)``."""
    eye = torch.eye(d, dtype=DTYPE)
    zero = torch.zeros(d, d, dtype=DTYPE)
    return torch.cat([torch.cat([zero, eye], 1), torch.cat([-eye, zero], 1)], 0)


def symplectic_algebra(d: int) -> torch.Tensor:
    """sp(2d) = {[[P, Q], [R, −Pᵀ]] : Q, R symmetric}, which is exactly {A : AᵀJ + JA = 0}.

    Basis: ``P = E_ij`` (d² elements), then symmetric units in the Q block, then in the R block
    (d(d+1)/2 each): ``d(2d+1)`` in all, shape ``(d(2d+1), 2d, 2d)``.
    """
    size = 2 * d
    mats = [unit(i, j, size) - unit(d + j, d + i, size) for i in range(d) for j in range(d)]
    for row_offset, col_offset in ((0, d), (d, 0)):
        for i in range(d):
            for j in range(i, d):
                m = unit(row_offset + i, col_offset + j, size)
                if i != j:
                    m = m + unit(row_offset + j, col_offset + i, size)
                mats.append(m)
    return stack(mats, size)


def planar_rotation(angle: float) -> torch.Tensor:
    c, s = math.cos(angle), math.sin(angle)
    return torch.tensor([[c, -s], [s, c]], dtype=DTYPE)


def reflection(d: int) -> torch.Tensor:
    """``diag(−1, 1, …, 1)``: the reflection that generates O(d) from SO(d)."""
    r = torch.eye(d, dtype=DTYPE)
    r[0, 0] = -1.0
    return r


def permutation_matrix(perm: list[int] | tuple[int, ...]) -> torch.Tensor:
    """``P`` with ``P e_i = e_σ(i)`` where ``σ(i) = perm[i]``, i.e. ``P[σ(i), i] = 1``."""
    n = len(perm)
    p = torch.zeros(n, n, dtype=DTYPE)
    p[list(perm), list(range(n))] = 1.0
    return p


def symmetric_generators(n: int) -> torch.Tensor:
    """S(n): the transposition (0 1) and the n-cycle i ↦ i+1 mod n (only the identity for n = 1)."""
    if n == 1:
        return torch.eye(1, dtype=DTYPE)[None]
    swap = list(range(n))
    swap[0], swap[1] = 1, 0
    cycle = [(i + 1) % n for i in range(n)]
    return torch.stack([permutation_matrix(swap), permutation_matrix(cycle)])


def affine_embed(linear: torch.Tensor) -> torch.Tensor:
    """Embed linear matrices ``(r, d, d)`` as ``[[A, 0], [0, 0]]`` blocks ``(r, d+1, d+1)``."""
    r, d, _ = linear.shape
    out = torch.zeros(r, d + 1, d + 1, dtype=linear.dtype)
    out[:, :d, :d] = linear
    return out


def affine_embed_group(linear: torch.Tensor) -> torch.Tensor:
    """Embed group elements ``(r, d, d)`` as ``[[A, 0], [0, 1]]``, shape ``(r, d+1, d+1)``."""
    out = affine_embed(linear)
    out[:, -1, -1] = 1.0
    return out


def translation_algebra(d: int) -> torch.Tensor:
    """Translations of R^d as ``(d+1)×(d+1)`` matrices ``E_{i,d}``: ``(d, d+1, d+1)``."""
    return stack([unit(i, d, d + 1) for i in range(d)], d + 1)


def expm(a: torch.Tensor) -> torch.Tensor:
    """Matrix exponential of ``a (..., s, s)`` by scaling and squaring a degree-18 Taylor polynomial.

    Accurate to a few ulps relative to ``exp(‖a‖)``. It exists because ``torch.linalg.matrix_exp`` (torch
    2.13, CPU, float64) loses accuracy for norms around 0.01–0.1 (errors ~1e-11), too coarse for exact
    checks such as ``rho(expm(A)) == expm(drho(A))``. Cost O(s³ · (18 + log2 ‖a‖)).
    """
    if a.numel() == 0:
        return a.clone()
    norm = float(torch.linalg.matrix_norm(a.detach(), ord=1).max())
    squarings = max(0, math.ceil(math.log2(norm)) + 1) if norm > 0 else 0
    scaled = a / (2.0**squarings)
    eye = torch.eye(a.shape[-1], dtype=a.dtype, device=a.device).expand_as(a)
    result = eye.clone()
    term = eye.clone()
    for k in range(1, 19):
        term = term @ scaled / k
        result = result + term
    for _ in range(squarings):
        result = result @ result
    return result
