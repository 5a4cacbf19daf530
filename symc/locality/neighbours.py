"""Radius and k-nearest-neighbour graphs of batched point clouds, in torch on the positions' device.

``pos (N, d)`` holds all clouds stacked; ``batch (N,)`` (int64, any order) says which cloud each point
belongs to, and edges never cross clouds. Every graph is returned as ``edge_index (2, E)`` int64 with row 0
the sender j and row 1 the receiver i (messages flow j → i, the PyTorch Geometric convention), sorted by
receiver then sender for ``radius_graph`` and by receiver then (distance, sender) for ``knn_graph``. Self loops
are left out. Both the brute-force route and the cell-list route compare the same float expression
``Σ_k (x_ik − x_jk)² ≤ r²``, so they return identical graphs.

Routes:
- brute force, O(N²·d) time, O(chunk·N) memory (rows are processed in chunks); used below ``BRUTE_FORCE_BELOW``
  points, for d > 3, and when a grid would not fit int64 cell keys.
- cell list, O(N·(3^d·ρ + log N)) time for ρ points per cell and O(N + E + chunk) memory: points are sorted
  by the key of their cell of side r, and each point scans the 3^d cells around its own with a binary search
  on the keys (receivers in chunks of about ``CHUNK_ENTRIES`` candidates).
  ``knn_graph`` runs it with a radius estimated from the density and doubles the radius only for points that
  found fewer than k neighbours.
"""

from __future__ import annotations

import itertools
import math

import torch
from torch import Tensor

from symc.errors import SymcError

BRUTE_FORCE_BELOW = 2048  # clouds smaller than this are searched by brute force (cheaper than sorting)
CHUNK_ENTRIES = 1 << 22  # at most this many pair distances are held at once by the brute-force route
MAX_CELL_DIM = 3  # the cell list scans 3^d cells; beyond d = 3 brute force is cheaper
MAX_KEY = 1 << 62  # cell keys (cloud, cell coordinates) must fit int64


def radius_graph(pos: Tensor, r: float, batch: Tensor | None = None, *, method: str = "auto") -> Tensor:
    """Edges j → i between distinct points of the same cloud with ``‖x_i − x_j‖ ≤ r``.

    ``pos (N, d)``, ``batch (N,)`` or None (one cloud); returns ``edge_index (2, E)`` sorted by (i, j).
    ``method``: ``auto`` (cell list from ``BRUTE_FORCE_BELOW`` points), ``cells`` or ``brute``.
    Raises ``SymcError`` for r ≤ 0 or not finite, non-finite positions, or a malformed ``batch``.
    """
    batch = _check_cloud(pos, batch)
    if not (isinstance(r, (int, float)) and math.isfinite(r) and r > 0):
        raise SymcError(f"radius must be a finite number > 0, got {r}", hint="e.g. radius_graph(pos, 5.0)")
    _check_method(method)
    receivers = torch.arange(pos.shape[0], device=pos.device)
    if _use_brute(pos, batch, r, method):
        senders, receivers = _brute_pairs(pos, batch, receivers, r)
    else:
        senders, receivers = _cell_pairs(pos, batch, receivers, r)
    order = _lexsort(receivers, senders)
    return torch.stack([senders[order], receivers[order]])


def knn_graph(pos: Tensor, k: int, batch: Tensor | None = None, *, method: str = "auto") -> Tensor:
    """Edges j → i from the k nearest other points j of each point i in its cloud.

    Ties are broken by the smaller index j, so the graph is deterministic. A cloud with n ≤ k points gives
    each point its n − 1 others (k is clamped per cloud; no error, since batched clouds differ in size).
    ``pos (N, d)``, ``batch (N,)`` or None; returns ``edge_index (2, E)`` sorted by i, then distance, then j.
    Raises ``SymcError`` for k < 1, non-finite positions, or a malformed ``batch``.
    """
    batch = _check_cloud(pos, batch)
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise SymcError(f"k must be an integer ≥ 1, got {k}", hint="e.g. knn_graph(pos, 8)")
    _check_method(method)
    n = pos.shape[0]
    if n == 0:
        return torch.empty(2, 0, dtype=torch.long, device=pos.device)
    counts = torch.bincount(batch)
    wanted = torch.clamp(counts[batch] - 1, max=k)  # neighbours each point can have
    if _use_brute(pos, batch, None, method):
        return _brute_knn(pos, batch, wanted)
    return _knn_by_growing_radius(pos, batch, wanted)


def _check_cloud(pos: Tensor, batch: Tensor | None) -> Tensor:
    if not isinstance(pos, Tensor) or pos.dim() != 2 or not pos.is_floating_point():
        shape = tuple(pos.shape) if isinstance(pos, Tensor) else type(pos).__name__
        raise SymcError(f"positions must be a float tensor (N, d), got {shape}", hint="stack the clouds along N")
    if not bool(torch.isfinite(pos).all()):
        bad = int((~torch.isfinite(pos).all(dim=1)).nonzero()[0])
        raise SymcError(f"position {bad} is not finite (NaN or inf)", hint="drop or repair the point first")
    if batch is None:
        return torch.zeros(pos.shape[0], dtype=torch.long, device=pos.device)
    if batch.shape != (pos.shape[0],) or batch.dtype not in (torch.int32, torch.int64) or batch.device != pos.device:
        raise SymcError(
            f"batch must be an integer tensor ({pos.shape[0]},) on {pos.device}, got {batch.dtype} "
            f"{tuple(batch.shape)} on {batch.device}",
            hint="batch[i] is the index of the cloud of point i",
        )
    if batch.numel() and int(batch.min()) < 0:
        raise SymcError("batch indices must be ≥ 0", hint="number the clouds 0, 1, 2, ...")
    return batch.long()


def _check_method(method: str) -> None:
    if method not in ("auto", "cells", "brute"):
        raise SymcError(f"unknown neighbour-search method '{method}'", hint="use auto, cells or brute")


def _use_brute(pos: Tensor, batch: Tensor, r: float | None, method: str) -> bool:
    if method == "brute" or pos.shape[1] > MAX_CELL_DIM or pos.shape[0] == 0:
        return True
    if method == "auto" and pos.shape[0] < BRUTE_FORCE_BELOW:
        return True
    return r is not None and _grid_extent(pos, batch, r) is None


def _squared_distances(a: Tensor, b: Tensor) -> Tensor:
    """``Σ_k (a_k − b_k)²`` over the last axis: the one distance expression every route compares."""
    return (a - b).pow(2).sum(-1)


def _lexsort(primary: Tensor, secondary: Tensor) -> Tensor:
    """Permutation sorting by ``primary`` then ``secondary`` (two stable sorts)."""
    order = torch.sort(secondary, stable=True).indices
    return order[torch.sort(primary[order], stable=True).indices]


def _brute_pairs(pos: Tensor, batch: Tensor, receivers: Tensor, r: float | None) -> tuple[Tensor, Tensor]:
    """All pairs (j, i), i in ``receivers``, of one cloud within r (every pair if r is None), j ≠ i."""
    n = pos.shape[0]
    rows = max(1, CHUNK_ENTRIES // max(n, 1))
    found_j, found_i = [], []
    for start in range(0, receivers.numel(), rows):
        i = receivers[start : start + rows]
        keep = (batch[i, None] == batch[None, :]) & (i[:, None] != torch.arange(n, device=pos.device)[None, :])
        if r is not None:
            keep &= _squared_distances(pos[i, None, :], pos[None, :, :]) <= r * r
        row, col = keep.nonzero(as_tuple=True)
        found_i.append(i[row])
        found_j.append(col)
    if not found_i:
        empty = torch.empty(0, dtype=torch.long, device=pos.device)
        return empty, empty
    return torch.cat(found_j), torch.cat(found_i)


def _brute_knn(pos: Tensor, batch: Tensor, wanted: Tensor) -> Tensor:
    """k nearest by sorting each chunk of rows of the distance matrix (stable: ties keep index order)."""
    n = pos.shape[0]
    k = int(wanted.max())
    rows = max(1, CHUNK_ENTRIES // n)
    found = []
    for start in range(0, n, rows):
        i = torch.arange(start, min(start + rows, n), device=pos.device)
        dist = _squared_distances(pos[i, None, :], pos[None, :, :])
        other = (batch[i, None] != batch[None, :]) | (i[:, None] == torch.arange(n, device=pos.device)[None, :])
        dist = dist.masked_fill(other, float("inf"))
        nearest = torch.sort(dist, dim=1, stable=True).indices[:, :k]
        keep = torch.arange(k, device=pos.device)[None, :] < wanted[i, None]
        found.append(torch.stack([nearest[keep], i[:, None].expand(-1, k)[keep]]))
    return torch.cat(found, dim=1)


def _grid_extent(pos: Tensor, batch: Tensor, r: float) -> tuple[Tensor, Tensor] | None:
    """(lower corner (d,), cells per axis + 2 (d,)) of a grid of side r, or None if its keys overflow int64."""
    low = pos.min(dim=0).values
    cells = torch.floor((pos.max(dim=0).values - low) / r).long() + 3  # one padding cell on each side
    size = (int(batch.max()) + 1) * math.prod(int(c) for c in cells)
    return None if size >= MAX_KEY else (low, cells)


def _cell_keys(cells: Tensor, batch: Tensor, extent: Tensor) -> Tensor:
    """Row-major key of (cloud, cell) for integer cell coordinates ``cells (M, d)``."""
    key = batch.clone()
    for axis in range(cells.shape[1]):
        key = key * extent[axis] + cells[:, axis]
    return key


def _cell_pairs(pos: Tensor, batch: Tensor, receivers: Tensor, r: float) -> tuple[Tensor, Tensor]:
    """Pairs (j, i) within r for i in ``receivers`` via a cell list of side r (see the module docstring).

    Receivers are processed in chunks so that about ``CHUNK_ENTRIES`` candidate pairs are held at once.
    """
    grid = _grid_extent(pos, batch, r)
    if grid is None:  # a sparse cloud with a tiny radius: the grid would not fit int64 keys
        return _brute_pairs(pos, batch, receivers, r)
    low, extent = grid
    cells = torch.floor((pos - low) / r).long() + 1
    keys = _cell_keys(cells, batch, extent)
    sorted_keys, by_cell = torch.sort(keys)
    offsets = torch.tensor(list(itertools.product((-1, 0, 1), repeat=pos.shape[1])), device=pos.device)
    per_cell = pos.shape[0] / torch.unique_consecutive(sorted_keys).numel()
    rows = max(1, int(CHUNK_ENTRIES / (offsets.shape[0] * per_cell)))
    found_j, found_i = [], []
    for start in range(0, receivers.numel(), rows):
        chunk = receivers[start : start + rows]
        j, i = _scan_cells(pos, batch, cells, extent, sorted_keys, by_cell, offsets, chunk, r)
        found_j.append(j)
        found_i.append(i)
    if not found_i:
        empty = torch.empty(0, dtype=torch.long, device=pos.device)
        return empty, empty
    return torch.cat(found_j), torch.cat(found_i)


def _scan_cells(pos, batch, cells, extent, sorted_keys, by_cell, offsets, receivers, r) -> tuple[Tensor, Tensor]:
    """Candidates of ``receivers`` from their 3^d surrounding cells, filtered by distance."""
    d = pos.shape[1]
    # Key of each receiver's neighbouring cells: (receivers · 3^d); the padding keeps them inside the grid.
    around = _cell_keys(
        (cells[receivers, None, :] + offsets[None]).reshape(-1, d),
        batch[receivers].repeat_interleave(offsets.shape[0]),
        extent,
    )
    start = torch.searchsorted(sorted_keys, around, right=False)
    count = torch.searchsorted(sorted_keys, around, right=True) - start
    owner = receivers.repeat_interleave(offsets.shape[0]).repeat_interleave(count)
    first = torch.repeat_interleave(start - torch.cumsum(count, 0) + count, count)
    candidates = by_cell[first + torch.arange(owner.numel(), device=pos.device)]
    keep = (candidates != owner) & (_squared_distances(pos[candidates], pos[owner]) <= r * r)
    return candidates[keep], owner[keep]


def _nearest(pos: Tensor, senders: Tensor, receivers: Tensor, wanted: Tensor) -> Tensor:
    """From candidate edges, keep the ``wanted[i]`` nearest senders of each receiver (ties: smaller j)."""
    dist = _squared_distances(pos[senders], pos[receivers])
    order = _lexsort(dist, senders)
    order = order[torch.sort(receivers[order], stable=True).indices]
    senders, receivers = senders[order], receivers[order]
    group_start = torch.searchsorted(receivers, receivers, right=False)
    rank = torch.arange(receivers.numel(), device=pos.device) - group_start
    keep = rank < wanted[receivers]
    return torch.stack([senders[keep], receivers[keep]])


def _knn_by_growing_radius(pos: Tensor, batch: Tensor, wanted: Tensor) -> Tensor:
    """k nearest neighbours through radius searches: start where ~2k points fall in the ball, double as needed.

    Correct because a ball holding at least k other points holds the k nearest ones (and every tie at the
    k-th distance), so the tie-break by index sees the same candidates as brute force.
    """
    n, d = pos.shape
    span = (pos.max(dim=0).values - pos.min(dim=0).values).clamp_min(torch.finfo(pos.dtype).eps)
    clouds = int(batch.max()) + 1
    volume_per_point = float(span.prod()) * clouds / n
    k = int(wanted.max())
    unit_ball = math.pi ** (d / 2) / math.gamma(d / 2 + 1)
    r = max((2 * max(k, 1) * volume_per_point / unit_ball) ** (1 / d), float(span.max()) * 1e-6)
    pending = torch.arange(n, device=pos.device)
    found: list[Tensor] = []
    while pending.numel():
        senders, receivers = _cell_pairs(pos, batch, pending, r)
        have = torch.bincount(receivers, minlength=n)
        done = have[pending] >= wanted[pending]
        keep = done[torch.searchsorted(pending, receivers)]
        found.append(_nearest(pos, senders[keep], receivers[keep], wanted))
        pending = pending[~done]
        r *= 2.0
    edges = torch.cat(found, dim=1)
    dist = _squared_distances(pos[edges[0]], pos[edges[1]])
    order = _lexsort(dist, edges[0])
    return edges[:, order[torch.sort(edges[1, order], stable=True).indices]]


__all__ = ["BRUTE_FORCE_BELOW", "knn_graph", "radius_graph"]
