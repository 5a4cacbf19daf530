"""Frames for frame averaging (Puny et al., ICLR 2022): small input-dependent sets of group elements.

A frame maps a point cloud ``X`` to a set ``F(X)`` of group elements with ``F(g·X) = g·F(X)``; averaging
any backbone over ``F(X)`` makes it exactly invariant/equivariant. Every element here is an affine map
``x = L c + o`` from canonical coordinates ``c`` to input coordinates ``x``: ``linear`` holds ``L``
(columns are the canonical axes), ``origin`` holds ``o``.

Routes, decided per sample by invariant quantities only (so the route itself is equivariant):

* ``pca``: centroid + covariance eigenvectors with all sign choices (2^d for O(d)/E(d), the 2^(d-1) with
  det +1 for SO(d)/SE(d)). Used when every relative eigen-gap ``(λ_{i+1} − λ_i) / λ_max`` is ≥ ``gap_tol``.
* ``anchored`` (degenerate spectrum, d = 2 or 3): the covariance cannot orient the cloud, so the cloud's own
  points do. The anchors are the points farthest from the centre (norms equal within ``tie_tol``); for
  d = 3 the second axis comes from the farthest shell that holds a point not collinear with an anchor, and
  the frame is every Gram–Schmidt pair (anchor, partner) completed by ±cross product. The set maps exactly
  under the group, so a regular tetrahedron (12 rotations) or a square (8) is handled exactly.
* ``approximate``: the stabiliser is infinite (collinear points, all points at the centre, or d > 3 with a
  degenerate spectrum). No finite frame is exact; symc averages over a fixed grid of rotations about the
  known axis and flags the sample as inexact, so callers report a measured error instead of claiming one.

Affine groups (GL+(d), SL(d), Aff+(d)) reduce to the rotation case by centring and whitening
``w = Σ^{-1/2}(x − μ)``, then orienting ``w`` with the fourth-moment matrix ``Σ_i |w_i|² w_i w_iᵀ``, whose
spectrum is generically simple although the whitened covariance is the identity (Mironenco & Forré 2024).
Cost: O(batch · (n d² + d³)) for the spectral routes; anchored samples add O(a · s) candidate pairs.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import torch
from torch import Tensor

from symc.errors import SymcError

GAP_TOL = 1e-6  # relative eigen-gap below which the PCA frame is declared degenerate
TIE_TOL = 1e-9  # relative tolerance for equal norms when choosing anchor points
MAX_ANCHORS = 12  # anchors per shell; beyond this the anchored frame would not be exact (flagged inexact)
AXIAL_GRID = 8  # rotations about a known axis averaged by the approximate route

ROUTES = ("pca", "anchored", "approximate")


@dataclass(frozen=True)
class Frames:
    """A batch of frames flattened over elements: element k belongs to sample ``owner[k]``.

    linear ``(total, d, d)``, origin ``(total, d)``, owner ``(total,)`` long, weight ``(total,)`` = 1/|F(x)|
    of its sample; per sample: ``exact (batch,)`` bool and ``route (batch,)`` long indexing ``ROUTES``.
    """

    linear: Tensor
    origin: Tensor
    owner: Tensor
    weight: Tensor
    exact: Tensor
    route: Tensor

    @property
    def batch(self) -> int:
        return self.exact.shape[0]

    def counts(self) -> Tensor:
        """Frame size per sample ``(batch,)``."""
        return torch.bincount(self.owner, minlength=self.batch)

    def inverse_affine(self) -> tuple[Tensor, Tensor]:
        """``(L⁻¹, −L⁻¹ o)``: the maps from input to canonical coordinates, ``(total, d, d)``, ``(total, d)``."""
        inv = torch.linalg.inv(self.linear)
        return inv, -(inv @ self.origin.unsqueeze(-1)).squeeze(-1)


def check_points(points: Tensor, mask: Tensor | None, minimum: int, what: str) -> None:
    """Refuse NaN/Inf coordinates and clouds with fewer than ``minimum`` points, before any backbone runs."""
    if points.dim() != 3:
        raise SymcError(f"{what} must be a batch of point clouds (batch, n, d), got shape {tuple(points.shape)}")
    valid = points if mask is None else points[mask]
    if not torch.isfinite(valid).all():
        raise SymcError(f"{what} contains NaN or Inf coordinates", hint="frames need finite coordinates")
    counts = torch.full((points.shape[0],), points.shape[1]) if mask is None else mask.sum(dim=1).cpu()
    if points.shape[0] and int(counts.min()) < minimum:
        raise SymcError(
            f"{what} has {int(counts.min())} point(s), but a frame of this group needs at least {minimum}",
            hint="give more points, or use a group without translations (O(d)/SO(d)) for tiny clouds",
        )


def euclidean_frames(
    points: Tensor,
    *,
    rotations_only: bool,
    translate: bool,
    mask: Tensor | None = None,
    gap_tol: float = GAP_TOL,
) -> Frames:
    """Frames of O(d) (``rotations_only=False``) or SO(d), with the centroid as origin when ``translate``.

    ``points (batch, n, d)``; ``mask (batch, n)`` marks the points taking part (default all). The eigen
    decomposition runs without gradient: frames are piecewise constant in the input, as in the FA paper.
    """
    with torch.no_grad():
        weights = _weights(points, mask)
        origin = _mean(points, weights) if translate else points.new_zeros(points.shape[0], points.shape[2])
        centred = (points - origin.unsqueeze(1)) * weights.unsqueeze(-1).sign()
        moment = _moment(centred, weights, fourth=False)
        rotations, owner, exact, route = _oriented(centred, weights, moment, rotations_only, gap_tol)
    return _assemble(rotations, origin[owner], owner, exact, route)


def affine_frames(
    points: Tensor,
    *,
    translate: bool,
    unimodular: bool,
    mask: Tensor | None = None,
    gap_tol: float = GAP_TOL,
) -> Frames:
    """Frames of Aff+(d) (``translate``), GL+(d) or SL(d) (``unimodular``): ``L = Σ^{1/2} R`` with R ∈ SO(d).

    ``Σ`` is the covariance (about the centroid when ``translate``, about 0 otherwise); for SL(d) ``L`` is
    rescaled to det 1. A cloud whose moment matrix is singular (fewer than d+1 affinely independent points)
    has no affine frame and raises ``SymcError``.
    """
    with torch.no_grad():
        weights = _weights(points, mask)
        origin = _mean(points, weights) if translate else points.new_zeros(points.shape[0], points.shape[2])
        centred = (points - origin.unsqueeze(1)) * weights.unsqueeze(-1).sign()
        sigma = _moment(centred, weights, fourth=False)
        evals, evecs = torch.linalg.eigh(sigma)
        if (evals[:, 0] <= 1e-10 * evals[:, -1].clamp_min(torch.finfo(evals.dtype).tiny)).any():
            raise SymcError(
                "the point cloud spans a lower-dimensional affine subspace, so it has no affine frame",
                hint="affine groups need at least d+1 affinely independent points",
            )
        root = evecs @ torch.diag_embed(evals.sqrt()) @ evecs.transpose(1, 2)
        inv_root = evecs @ torch.diag_embed(evals.rsqrt()) @ evecs.transpose(1, 2)
        if unimodular:
            scale = evals.log().sum(dim=1).div(2 * points.shape[2]).exp()  # det(Σ^{1/2})^{1/d}
            root, inv_root = root / scale[:, None, None], inv_root * scale[:, None, None]
        whitened = centred @ inv_root  # Σ^{-1/2} is symmetric, so rows transform as Σ^{-1/2} x
        moment = _moment(whitened, weights, fourth=True)
        rotations, owner, exact, route = _oriented(whitened, weights, moment, True, gap_tol)
    return _assemble(root[owner] @ rotations, origin[owner], owner, exact, route)


def _weights(points: Tensor, mask: Tensor | None) -> Tensor:
    if mask is None:
        return points.new_ones(points.shape[:2])
    return mask.to(points.dtype)


def _mean(points: Tensor, weights: Tensor) -> Tensor:
    return (points * weights.unsqueeze(-1)).sum(1) / weights.sum(1, keepdim=True).clamp_min(1)


def _moment(centred: Tensor, weights: Tensor, *, fourth: bool) -> Tensor:
    """Covariance ``Σ w_i y_i y_iᵀ / Σ w`` or the fourth moment ``Σ w_i |y_i|² y_i y_iᵀ / Σ w``: ``(batch, d, d)``."""
    w = weights / weights.sum(1, keepdim=True).clamp_min(1)
    if fourth:
        w = w * centred.pow(2).sum(-1)
    return (centred * w.unsqueeze(-1)).transpose(1, 2) @ centred


def _oriented(
    centred: Tensor, weights: Tensor, moment: Tensor, rotations_only: bool, gap_tol: float
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Orthogonal frames of centred clouds: ``(rotations (total, d, d), owner, exact (batch,), route (batch,))``."""
    batch, _, d = centred.shape
    evals, evecs = torch.linalg.eigh(moment)
    scale = evals[:, -1].abs().clamp_min(torch.finfo(evals.dtype).tiny)
    gaps = (evals[:, 1:] - evals[:, :-1]) / scale.unsqueeze(1) if d > 1 else evals.new_ones(batch, 1)
    simple = (gaps.min(dim=1).values >= gap_tol) & (evals[:, -1] > 0)
    signs = _sign_patterns(d, centred.dtype, centred.device)  # (2^d, d)
    blocks: list[tuple[int, Tensor]] = []
    exact = torch.ones(batch, dtype=torch.bool)
    route = torch.zeros(batch, dtype=torch.long)
    flipped = evecs.unsqueeze(1) * signs[None, :, None, :]  # (batch, 2^d, d, d): columns times signs
    keep = torch.linalg.det(flipped) > 0 if rotations_only else flipped.new_ones(flipped.shape[:2], dtype=torch.bool)
    if bool(simple.all()):  # the common case, without a Python loop over samples
        per_sample = int(keep[0].sum())
        owner = torch.arange(batch, device=centred.device).repeat_interleave(per_sample)
        return flipped[keep.to(flipped.device)], owner, exact.to(centred.device), route.to(centred.device)
    for b in range(batch):
        if bool(simple[b]):
            elements = flipped[b][keep[b]]
        else:
            points = centred[b][weights[b] > 0]
            elements, is_exact = _anchored(points, rotations_only)
            exact[b] = is_exact
            route[b] = 1 if is_exact else 2
        blocks.append((b, elements))
    owner = torch.cat([torch.full((e.shape[0],), b, dtype=torch.long) for b, e in blocks]).to(centred.device)
    return torch.cat([e for _, e in blocks]), owner, exact.to(centred.device), route.to(centred.device)


def _sign_patterns(d: int, dtype: torch.dtype, device: torch.device) -> Tensor:
    return torch.tensor(list(itertools.product((1.0, -1.0), repeat=d)), dtype=dtype, device=device)


def _anchored(points: Tensor, rotations_only: bool) -> tuple[Tensor, bool]:
    """Frames from the cloud's own points when the spectrum is degenerate: ``(elements (m, d, d), exact)``."""
    d = points.shape[1]
    norms = points.norm(dim=1)
    top = float(norms.max()) if norms.numel() else 0.0
    if d not in (2, 3) or top <= 0.0:
        return _fallback(points, None, rotations_only), False
    shells = _shells(norms, top)
    anchors = points[shells[0]] / norms[shells[0], None]
    truncated = any(len(s) > MAX_ANCHORS for s in shells)
    if d == 2:
        return _planar_frames(anchors[:MAX_ANCHORS], rotations_only), not truncated
    for shell in shells:
        partners = points[shell[:MAX_ANCHORS]]
        pairs = _pair_frames(anchors[:MAX_ANCHORS], partners, rotations_only)
        if pairs is not None:
            return pairs, not truncated
    return _fallback(points, anchors[:MAX_ANCHORS], rotations_only), False


def _shells(norms: Tensor, top: float) -> list[Tensor]:
    """Indices of the points grouped by equal norm (within ``TIE_TOL``), farthest shell first."""
    order = torch.argsort(norms, descending=True, stable=True)
    shells: list[list[int]] = []
    last = math.inf
    for i in order.tolist():
        r = float(norms[i])
        if r <= TIE_TOL * top:
            break
        if last - r > TIE_TOL * top:
            shells.append([])
        shells[-1].append(i)
        last = r
    return [torch.tensor(s, dtype=torch.long, device=norms.device) for s in shells]


def _planar_frames(anchors: Tensor, rotations_only: bool) -> Tensor:
    """d = 2: each anchor direction a gives [a, a⊥] (and [a, −a⊥] for O(2))."""
    perp = torch.stack([-anchors[:, 1], anchors[:, 0]], dim=1)
    frames = [torch.stack([anchors, perp], dim=2)]
    if not rotations_only:
        frames.append(torch.stack([anchors, -perp], dim=2))
    return torch.cat(frames)


def _pair_frames(anchors: Tensor, partners: Tensor, rotations_only: bool) -> Tensor | None:
    """d = 3: Gram–Schmidt of every non-collinear (anchor, partner) pair, completed by ±a × b; None if none."""
    a = anchors[:, None, :].expand(-1, partners.shape[0], -1)
    p = partners[None, :, :].expand(anchors.shape[0], -1, -1)
    b = p - (p * a).sum(-1, keepdim=True) * a
    length = b.norm(dim=-1)
    usable = length > 1e-6 * p.norm(dim=-1).clamp_min(torch.finfo(p.dtype).tiny)
    if not bool(usable.any()):
        return None
    a, b = a[usable], b[usable] / length[usable, None]
    c = torch.linalg.cross(a, b)
    frames = [torch.stack([a, b, c], dim=2)]
    if not rotations_only:
        frames.append(torch.stack([a, b, -c], dim=2))
    return torch.cat(frames)


def _fallback(points: Tensor, axes: Tensor | None, rotations_only: bool) -> Tensor:
    """Infinite stabiliser: a fixed grid of rotations about each known axis (or the identity). Not exact."""
    d = points.shape[1]
    eye = torch.eye(d, dtype=points.dtype, device=points.device)
    if axes is None or d != 3:
        return eye.unsqueeze(0)
    frames = []
    for a in axes:
        helper = eye[int(torch.argmin(a.abs()))]
        b0 = helper - (helper @ a) * a
        b0 = b0 / b0.norm()
        c0 = torch.linalg.cross(a, b0)
        for k in range(AXIAL_GRID):
            angle = 2 * math.pi * k / AXIAL_GRID
            b = math.cos(angle) * b0 + math.sin(angle) * c0
            frames.append(torch.stack([a, b, torch.linalg.cross(a, b)], dim=1))
            if not rotations_only:
                frames.append(torch.stack([a, b, -torch.linalg.cross(a, b)], dim=1))
    return torch.stack(frames)


def _assemble(linear: Tensor, origin: Tensor, owner: Tensor, exact: Tensor, route: Tensor) -> Frames:
    counts = torch.bincount(owner, minlength=exact.shape[0]).to(linear.dtype)
    return Frames(linear, origin, owner, 1.0 / counts[owner], exact, route)


__all__ = ["GAP_TOL", "ROUTES", "Frames", "affine_frames", "check_points", "euclidean_frames"]
