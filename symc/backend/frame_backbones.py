"""Unconstrained backbones that frame averaging wraps: ``mlp``, ``pointnet`` and ``gnn``.

Each maps canonical features to canonical outputs with no symmetry of its own (the frames supply it):
``forward(points (B, n, Cp), globals (B, Cg), positions (B, n, d) | None) -> (per_point (B, n, Op),
global (B, Og))``. ``pointnet`` and ``gnn`` are permutation-equivariant; ``mlp`` flattens the set and
needs sorting frames for S(n).
"""

from __future__ import annotations

import itertools

import torch
from torch import Tensor, nn

DEFAULT_WIDTH = 64
DEFAULT_DEPTH = 3


def mlp(widths: list[int]) -> nn.Sequential:
    """Linear layers with SiLU between them (none after the last); a zero-width output gives zeros."""
    if widths[-1] == 0:
        return nn.Sequential(nn.Linear(widths[0], 1, bias=False), _Empty())
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(itertools.pairwise(widths)):
        layers.append(nn.Linear(a, b))
        if i < len(widths) - 2:
            layers.append(nn.SiLU())
    return nn.Sequential(*layers)


class _Empty(nn.Module):
    """Drops the last axis to width 0 (an output head with nothing to predict)."""

    def forward(self, x: Tensor) -> Tensor:
        return x[..., :0]


class FlatMLP(nn.Module):
    """An MLP on the flattened set: ``n · Cp + Cg → n · Op + Og``; n is fixed at build time. O(B · n · C · h)."""

    def __init__(self, n: int, point_in: int, global_in: int, point_out: int, global_out: int, width: int, depth: int):
        super().__init__()
        self.n, self.point_out = n, point_out
        self.net = mlp([max(n * point_in + global_in, 1)] + [width] * depth + [n * point_out + global_out])

    def forward(self, points: Tensor, globals_: Tensor, positions: Tensor | None) -> tuple[Tensor, Tensor]:
        flat = torch.cat([points.flatten(1), globals_], dim=1)
        y = self.net(flat if flat.shape[1] else flat.new_zeros(flat.shape[0], 1))
        per_point = y[:, : self.n * self.point_out].reshape(y.shape[0], self.n, self.point_out)
        return per_point, y[:, self.n * self.point_out :]


class PointNet(nn.Module):
    """Shared per-point MLP, mean+max pooling, then heads for global and per-point outputs. O(B · n · h²)."""

    def __init__(self, point_in: int, global_in: int, point_out: int, global_out: int, width: int, depth: int):
        super().__init__()
        self.local = mlp([point_in + global_in] + [width] * depth)
        self.global_head = mlp([2 * width, width, global_out])
        self.point_head = mlp([3 * width, width, point_out])

    def forward(self, points: Tensor, globals_: Tensor, positions: Tensor | None) -> tuple[Tensor, Tensor]:
        n = points.shape[1]
        h = self.local(torch.cat([points, globals_.unsqueeze(1).expand(-1, n, -1)], dim=-1))
        pooled = torch.cat([h.mean(1), h.amax(1)], dim=-1) if n else h.new_zeros(h.shape[0], 2 * h.shape[-1])
        per_point = self.point_head(torch.cat([h, pooled.unsqueeze(1).expand(-1, n, -1)], dim=-1))
        return per_point, self.global_head(pooled)


class MessagePassing(nn.Module):
    """A plain (non-equivariant) GNN over a neighbourhood given by the locality.

    Messages ``φ([h_i, h_j, x_j − x_i, |x_j − x_i|])`` are summed over neighbours ``j`` (complete: every other
    point; ``knn(k)``: the k nearest; ``radius(r)``: within r), then ``h_i += ψ([h_i, m_i])``. Neighbourhoods
    come from distances, which frames leave unchanged. Cost: O(B · n · m · h²) with m neighbours per point.
    """

    def __init__(
        self,
        point_in: int,
        global_in: int,
        point_out: int,
        global_out: int,
        width: int,
        depth: int,
        locality: str = "complete",
        k: int | None = None,
        radius: float | None = None,
    ):
        super().__init__()
        self.locality, self.k, self.radius = locality, k, radius
        self.embed = nn.Linear(point_in + global_in, width)
        self.messages = nn.ModuleList(mlp([2 * width + 4, width, width]) for _ in range(depth))
        self.updates = nn.ModuleList(mlp([2 * width, width, width]) for _ in range(depth))
        self.point_head = mlp([width, width, point_out])
        self.global_head = mlp([width, width, global_out])

    def _neighbours(self, positions: Tensor) -> tuple[Tensor, Tensor]:
        """``(index (B, n, m), valid (B, n, m))`` of each point's neighbours, the point itself excluded."""
        _batch, n, _ = positions.shape
        distances = torch.cdist(positions, positions)
        distances = distances + torch.diag(positions.new_full((n,), torch.inf))
        m = n - 1 if self.locality != "knn" else min(self.k or 1, n - 1)
        nearest = torch.topk(distances, m, dim=-1, largest=False)
        valid = torch.isfinite(nearest.values)
        if self.locality == "radius":
            valid = valid & (nearest.values <= self.radius)
        return nearest.indices, valid

    def forward(self, points: Tensor, globals_: Tensor, positions: Tensor | None) -> tuple[Tensor, Tensor]:
        batch, n, _ = points.shape
        h = self.embed(torch.cat([points, globals_.unsqueeze(1).expand(-1, n, -1)], dim=-1))
        if positions is None:
            positions = points.new_zeros(batch, n, 3)
        index, valid = self._neighbours(positions[..., :3])
        m = index.shape[-1]
        gather = index.reshape(batch, n * m, 1)
        relative = positions.gather(1, gather.expand(-1, -1, positions.shape[-1])).reshape(batch, n, m, -1)
        relative = relative - positions.unsqueeze(2)
        relative = nn.functional.pad(relative, (0, max(0, 3 - relative.shape[-1])))[..., :3]
        edge = torch.cat([relative, relative.norm(dim=-1, keepdim=True)], dim=-1)
        for message, update in zip(self.messages, self.updates, strict=True):
            neighbours = h.gather(1, gather.expand(-1, -1, h.shape[-1])).reshape(batch, n, m, -1)
            own = h.unsqueeze(2).expand(-1, -1, m, -1)
            msg = message(torch.cat([own, neighbours, edge], dim=-1)) * valid.unsqueeze(-1)
            h = h + update(torch.cat([h, msg.sum(2)], dim=-1))
        pooled = h.mean(1) if n else h.new_zeros(batch, h.shape[-1])
        return self.point_head(h), self.global_head(pooled)


__all__ = ["DEFAULT_DEPTH", "DEFAULT_WIDTH", "FlatMLP", "MessagePassing", "PointNet", "mlp"]
