"""Complete pair invariants of the homogeneous spaces PONITA-style networks condition on.

For a receiver i and a sender j with ``r = x_j − x_i``:

| space | group | attribute a_ij | dim |
|---|---|---|---|
| R^d (positions) | E(d), SE(d) | ‖r‖ | 1 |
| R^d × S^{d−1} (positions, orientations o) | E(d), SE(d) | (o_iᵀr, ‖r − (o_iᵀr)o_i‖, o_iᵀo_j) | 3 |
| R^d × SO(d) (positions, frames R) | E(d), SE(d) | (R_iᵀr, R_iᵀR_j) | d + d² |

Each is unchanged by ``x ↦ A x + t``, ``o ↦ A o``, ``R ↦ A R`` for any orthogonal A (reflections included), since
it is built from inner products and from the coordinates of r and R_j in the frame R_i. Inputs are flat:
positions ``(N, d)``, orientations ``(N, d)`` or ``(E, G, d)`` for a grid, frames ``(N, d, d)``, and
``edge_index (2, E)`` with row 0 the sender j and row 1 the receiver i. Cost O(E·d) (O(E·d³) for frames).
"""

from __future__ import annotations

import torch
from torch import Tensor


def relative_positions(pos: Tensor, edge_index: Tensor) -> Tensor:
    """``r_ij = x_j − x_i`` per edge: ``(E, d)``."""
    return pos[edge_index[0]] - pos[edge_index[1]]


def distance_invariants(pos: Tensor, edge_index: Tensor) -> Tensor:
    """‖x_j − x_i‖ per edge: ``(E, 1)``."""
    return relative_positions(pos, edge_index).norm(dim=-1, keepdim=True)


def spatial_orientation_invariants(rel: Tensor, ori: Tensor) -> Tensor:
    """The two invariants of a displacement seen from an orientation: ``(o·r, ‖r − (o·r) o‖)``.

    ``rel (..., d)`` and unit ``ori (..., d)`` broadcast together; returns ``(..., 2)``. The perpendicular norm is
    computed from the projection (not as sqrt(‖r‖² − (o·r)²)) so that it stays accurate when r ∥ o.
    """
    along = (rel * ori).sum(-1, keepdim=True)
    across = (rel - along * ori).norm(dim=-1, keepdim=True)
    return torch.cat([along, across], dim=-1)


def orientation_invariants(pos: Tensor, ori: Tensor, edge_index: Tensor) -> Tensor:
    """The three R^d × S^{d−1} invariants ``(o_iᵀr, ‖r − (o_iᵀr)o_i‖, o_iᵀo_j)`` per edge: ``(E, 3)``."""
    sender, receiver = edge_index
    spatial = spatial_orientation_invariants(relative_positions(pos, edge_index), ori[receiver])
    return torch.cat([spatial, (ori[receiver] * ori[sender]).sum(-1, keepdim=True)], dim=-1)


def frame_invariants(pos: Tensor, frames: Tensor, edge_index: Tensor) -> Tensor:
    """``(R_iᵀ r, vec(R_iᵀ R_j))`` per edge: ``(E, d + d²)``; frames ``(N, d, d)`` with the axes as columns."""
    sender, receiver = edge_index
    local = frames[receiver].transpose(-1, -2)
    rel = (local @ relative_positions(pos, edge_index).unsqueeze(-1)).squeeze(-1)
    relative_frame = (local @ frames[sender]).flatten(-2)
    return torch.cat([rel, relative_frame], dim=-1)


__all__ = [
    "distance_invariants",
    "frame_invariants",
    "orientation_invariants",
    "relative_positions",
    "spatial_orientation_invariants",
]
