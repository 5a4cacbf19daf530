"""Invariant initial representations (TinvNN): a modified classical MDS of a point cloud.

Classical MDS of ``X (n, d)``: ``B = −½ J D⁽²⁾ J`` with ``D⁽²⁾_ij = ‖x_i − x_j‖²`` and ``J = I − 11ᵀ/n``;
``B = U Λ Uᵀ`` and ``Y = U_k Λ_k^{1/2}`` (top k). B depends on distances only, so Y is invariant to
translations, rotations and reflections and preserves distances (``‖y_i − y_j‖ = ‖x_i − x_j‖`` when k ≥ rank),
up to what an eigen-decomposition leaves free:

- the sign of each eigenvector. It is fixed by making the column's third moment Σ_i y_i³ positive (the
  skewness rule; it commutes with permutations of the points). Where that moment is ≈ 0 (a cloud symmetric
  about the axis) the sign falls back to the entry of largest magnitude, and the column is reported as
  ``ambiguous_sign``: its sign can flip under a tiny perturbation.
- a rotation inside a repeated eigenvalue's eigenspace (e.g. a regular polygon). No rule fixes it, so it
  is detected (relative gap below ``gap_tol``) and reported as ``degenerate``; ``strict=True`` raises.

Optionally the scale is removed by dividing by the RMS radius √(tr B / n), making Y scale invariant too.
Cost: O(n²·d) for B plus O(n³) for the eigen-decomposition per cloud.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from symc.errors import SymcError


@dataclass(frozen=True)
class MDSEmbedding:
    """``coords (batch, n, k)``; ``eigenvalues (batch, k)`` descending; ``degenerate (batch,)``: a kept non-zero
    eigenvalue is repeated (the embedding is not unique); ``ambiguous_sign (batch, k)``: the third-moment sign
    rule was undecided; ``min_gap (batch,)``: smallest relative gap between a kept non-zero eigenvalue and its
    neighbours."""

    coords: Tensor
    eigenvalues: Tensor
    degenerate: Tensor
    ambiguous_sign: Tensor
    min_gap: Tensor

    @property
    def reliable(self) -> bool:
        """True when every cloud's embedding is unique (no repeated eigenvalue, every sign decided)."""
        return not bool(self.degenerate.any() or self.ambiguous_sign.any())

    def report(self) -> str:
        """One line per cloud whose embedding is not unique."""
        lines = []
        degenerate, gaps = self.degenerate.reshape(-1), self.min_gap.reshape(-1)
        ambiguous = self.ambiguous_sign.reshape(degenerate.shape[0], -1)
        for b in range(degenerate.shape[0]):
            if degenerate[b]:
                lines.append(f"cloud {b}: repeated eigenvalue (relative gap {float(gaps[b]):.1e})")
            for axis in ambiguous[b].nonzero().flatten().tolist():
                lines.append(f"cloud {b}: axis {axis} has no preferred sign (third moment ≈ 0)")
        return "\n".join(lines) or "every embedding is unique"


def mds_embedding(
    pos: Tensor,
    dim: int | None = None,
    *,
    normalise_scale: bool = False,
    gap_tol: float = 1e-6,
    sign_tol: float = 1e-8,
    strict: bool = False,
) -> MDSEmbedding:
    """E(d)-invariant, distance-preserving coordinates of ``pos (n, d)`` or ``(batch, n, d)``.

    ``dim`` (default d) columns are kept, zero-padded when the cloud has fewer points. ``strict`` raises
    ``SymcError`` when an embedding is not unique (see ``MDSEmbedding``).
    """
    if not isinstance(pos, Tensor) or pos.dim() not in (2, 3) or not pos.is_floating_point():
        raise SymcError("positions must be a float tensor (n, d) or (batch, n, d)")
    if not bool(torch.isfinite(pos).all()):
        raise SymcError("positions contain NaN or inf", hint="drop or repair the points first")
    single = pos.dim() == 2
    x = pos.unsqueeze(0) if single else pos
    n, d = x.shape[1:]
    k = d if dim is None else dim
    if k < 1 or n < 1:
        raise SymcError(f"MDS needs at least one point and dim ≥ 1, got n = {n}, dim = {k}")
    centred = x - x.mean(dim=1, keepdim=True)
    # B = −½ J D² J equals the Gram matrix of the centred points; building it from D² keeps the method honest
    # to its definition (only distances are used) at the same O(n²d) cost.
    sq = torch.cdist(centred, centred).pow(2)
    J = torch.eye(n, dtype=x.dtype, device=x.device) - 1.0 / n
    gram = -0.5 * J @ sq @ J
    gram = 0.5 * (gram + gram.transpose(-1, -2))
    values, vectors = torch.linalg.eigh(gram)
    values, vectors = values.flip(-1), vectors.flip(-1)
    kept = min(k, n)
    lam = values[..., :kept].clamp_min(0.0)
    coords = vectors[..., :kept] * lam.sqrt().unsqueeze(-2)
    coords, ambiguous = _fix_signs(coords, sign_tol)
    degenerate, min_gap = _repeated(values, kept, gap_tol)
    if normalise_scale:
        rms = (lam.sum(-1) / n).sqrt().clamp_min(torch.finfo(x.dtype).tiny)
        coords = coords / rms[:, None, None]
    if kept < k:
        coords = torch.nn.functional.pad(coords, (0, k - kept))
        lam = torch.nn.functional.pad(lam, (0, k - kept))
        ambiguous = torch.nn.functional.pad(ambiguous, (0, k - kept))
    result = MDSEmbedding(coords, lam, degenerate, ambiguous, min_gap)
    if strict and not result.reliable:
        raise SymcError(
            "the MDS embedding is not unique:\n" + result.report(),
            hint="perturb symmetric inputs, keep fewer dimensions, or use frame averaging over the ambiguity",
        )
    if single:
        return MDSEmbedding(*(t.squeeze(0) for t in (coords, lam, degenerate, ambiguous, min_gap)))
    return result


def _fix_signs(coords: Tensor, sign_tol: float) -> tuple[Tensor, Tensor]:
    """Flip each column so Σ_i y_i³ > 0; where that is ≈ 0, make the largest-|·| entry positive and flag it."""
    moment = coords.pow(3).sum(dim=-2)
    size = coords.abs().pow(3).sum(dim=-2)
    ambiguous = (moment.abs() <= sign_tol * size) & (size > 0)
    largest = coords.gather(-2, coords.abs().argmax(dim=-2, keepdim=True)).squeeze(-2)
    sign = torch.where(ambiguous, torch.sign(largest), torch.sign(moment))
    sign = torch.where(sign == 0, torch.ones_like(sign), sign)
    return coords * sign.unsqueeze(-2), ambiguous


def _repeated(values: Tensor, kept: int, gap_tol: float) -> tuple[Tensor, Tensor]:
    """Whether a kept non-zero eigenvalue lies within ``gap_tol`` (relative to λ_1) of a neighbour."""
    scale = values[..., :1].abs().clamp_min(torch.finfo(values.dtype).tiny)
    upto = min(kept + 1, values.shape[-1])
    gaps = (values[..., : upto - 1] - values[..., 1:upto]) / scale  # gap below each of the kept eigenvalues
    significant = values[..., : upto - 1] > gap_tol * scale  # zero eigenspaces give zero columns: harmless
    if gaps.shape[-1] == 0:
        none = torch.zeros(values.shape[0], dtype=torch.bool, device=values.device)
        return none, torch.full_like(values[..., 0], float("inf"))
    gaps = torch.where(significant, gaps, torch.full_like(gaps, float("inf")))
    min_gap = gaps.min(dim=-1).values
    return min_gap < gap_tol, min_gap


__all__ = ["MDSEmbedding", "mds_embedding"]
