"""S(n) frames by canonical sorting: order the points lexicographically by their features.

The frame of a set is the set of permutations that sort it; points with equal feature rows (ties) can be
sorted either way, so the frame holds every reordering within the tied groups, up to ``MAX_TIE_FRAME``
permutations. A larger tie frame keeps only the stable sort and flags the sample as inexact.
Cost: O(batch · C · n log n) for the sort, plus the tie enumeration for tied samples.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import torch
from torch import Tensor

MAX_TIE_FRAME = 24  # most permutations averaged over for one sample's ties
QUANTUM = 2.0**-30  # relative resolution: features closer than this (times the sample's scale) are tied


@dataclass(frozen=True)
class PermutationFrames:
    """``order (total, n)``: canonical slot i holds input point ``order[k, i]``; ``owner (total,)`` the sample,
    ``weight (total,)`` = 1/|frame|; ``exact (batch,)`` False where the tie frame was truncated."""

    order: Tensor
    owner: Tensor
    weight: Tensor
    exact: Tensor


def sorting_frames(features: Tensor, max_frame: int = MAX_TIE_FRAME) -> PermutationFrames:
    """Lexicographic sorting frames of ``features (batch, n, C)`` (column 0 is the most significant key)."""
    batch, n, channels = features.shape
    with torch.no_grad():
        scale = features.abs().flatten(1).amax(1).clamp_min(torch.finfo(features.dtype).tiny)
        keys = torch.round(features / (scale[:, None, None] * QUANTUM))
        order = torch.arange(n, device=features.device).expand(batch, n).clone()
        for c in reversed(range(channels)):
            column = keys[..., c].gather(1, order)
            order = order.gather(1, torch.argsort(column, dim=1, stable=True))
        ranked = keys.gather(1, order.unsqueeze(-1).expand(-1, -1, channels))
        tied_next = (ranked[:, 1:] == ranked[:, :-1]).all(-1) if n > 1 else keys.new_zeros(batch, 0, dtype=torch.bool)
    exact = torch.ones(batch, dtype=torch.bool, device=features.device)
    if not bool(tied_next.any()):
        owner = torch.arange(batch, device=features.device)
        return PermutationFrames(order, owner, features.new_ones(batch), exact)
    orders, owners = [], []
    for b in range(batch):
        expanded = _tie_orders(order[b], tied_next[b], max_frame)
        if expanded is None:
            exact[b] = False
            expanded = order[b : b + 1]
        orders.append(expanded)
        owners.append(torch.full((expanded.shape[0],), b, dtype=torch.long, device=features.device))
    owner = torch.cat(owners)
    counts = torch.bincount(owner, minlength=batch).to(features.dtype)
    return PermutationFrames(torch.cat(orders), owner, 1.0 / counts[owner], exact)


def _tie_orders(order: Tensor, tied_next: Tensor, max_frame: int) -> Tensor | None:
    """Every reordering of ``order`` within runs of tied slots, or None if there are more than ``max_frame``."""
    runs: list[list[int]] = [[0]]
    for i, tied in enumerate(tied_next.tolist()):
        if tied:
            runs[-1].append(i + 1)
        else:
            runs.append([i + 1])
    if math.prod(math.factorial(len(r)) for r in runs) > max_frame:
        return None
    choices = [list(itertools.permutations(r)) for r in runs]
    slots = [sum(combo, ()) for combo in itertools.product(*choices)]
    index = torch.tensor(slots, dtype=torch.long, device=order.device)
    return order[index]


__all__ = ["MAX_TIE_FRAME", "PermutationFrames", "sorting_frames"]
