"""Unconstrained backbones that frame averaging wraps: ``mlp``, ``pointnet`` and ``gnn``.

Each maps canonical features to canonical outputs with no symmetry of its own (the frames supply it):
``forward(points (B, n, Cp), globals (B, Cg), positions (B, n, d) | None) -> (per_point (B, n, Op),
global (B, Og))``. ``pointnet`` and ``gnn`` are permutation-equivariant; ``mlp`` flattens the set and
needs sorting frames for S(n). ``gnn`` also takes a precomputed neighbour graph (``Neighbours``), which
frame averaging builds once per input. ``pointnet`` and ``gnn`` run in cache-sized blocks of samples
(``in_blocks``), so their cost is linear in the batch.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import NamedTuple

import torch
from torch import Tensor, nn

from symc.ir import LocalitySpec
from symc.locality import build_neighbourhood

DEFAULT_WIDTH = 64
DEFAULT_DEPTH = 3
# Samples are processed in blocks whose widest activation holds about this many numbers (2 MiB in float32):
# a block's temporaries stay in cache and reuse freed heap memory, so the cost per sample does not grow with
# the batch (a 64-sample (B·n·k, h) edge tensor of 256 MiB is memory-bound and page-faults on every fresh
# allocation). Samples are independent, so the blocks give the batched result exactly.
BLOCK_ELEMENTS = 1 << 19


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
    """Shared per-point MLP, mean+max pooling, then heads for global and per-point outputs. O(B · n · h²).

    The layers that see a broadcast block (the globals in the first layer, the pooled vector in the point
    head) are split by linearity, ``W [x_i, p] = W_x x_i + W_p p``, so no ``(B, n, ·)`` concatenation of the
    broadcast block is materialised: the per-point cost and memory stay at width ``h``.
    """

    def __init__(self, point_in: int, global_in: int, point_out: int, global_out: int, width: int, depth: int):
        super().__init__()
        self.local = mlp([point_in + global_in] + [width] * depth)
        self.global_head = mlp([2 * width, width, global_out])
        self.point_head = mlp([3 * width, width, point_out])

    def forward(self, points: Tensor, globals_: Tensor, positions: Tensor | None) -> tuple[Tensor, Tensor]:
        """``points (B, n, Cp)``, ``globals_ (B, Cg)`` → ``((B, n, Op), (B, Og))``, in blocks of samples."""
        width = self.global_head[0].in_features // 2
        return in_blocks(self._forward, points.shape[1] * width, points, globals_)

    def _forward(self, points: Tensor, globals_: Tensor) -> tuple[Tensor, Tensor]:
        n = points.shape[1]
        h = self.local[1:](broadcast_linear(self.local[0], points, globals_))
        pooled = torch.cat([h.mean(1), h.amax(1)], dim=-1) if n else h.new_zeros(h.shape[0], 2 * h.shape[-1])
        per_point = self.point_head[1:](broadcast_linear(self.point_head[0], h, pooled))
        return per_point, self.global_head(pooled)


def broadcast_linear(layer: nn.Linear, per_point: Tensor, shared: Tensor) -> Tensor:
    """``layer([per_point, shared broadcast over points])`` without the concatenation.

    ``per_point (B, n, a)``, ``shared (B, b)`` with ``a + b = layer.in_features`` → ``(B, n, out)``. The shared
    block costs O(B · b · out) instead of O(B · n · b · out).
    """
    a = per_point.shape[-1]
    shared_term = nn.functional.linear(shared, layer.weight[:, a:], layer.bias)
    return nn.functional.linear(per_point, layer.weight[:, :a]).add_(shared_term.unsqueeze(1))


class Neighbours(NamedTuple):
    """Each point's neighbours, the point itself excluded: ``index (B, n, m)`` into the same sample's points and
    ``valid (B, n, m)`` bool, or None when every slot is a neighbour (complete graphs, knn with k < n)."""

    index: Tensor
    valid: Tensor | None


Block = Tensor | Neighbours | None


def in_blocks(fn: Callable[..., tuple[Tensor, Tensor]], per_sample: int, *args: Block) -> tuple[Tensor, Tensor]:
    """``fn(*args)`` on blocks of samples, outputs concatenated along the batch axis.

    ``args`` are sliced along axis 0 (``Neighbours`` field by field, None passed through); ``per_sample`` is
    the size of the widest activation per sample, so a block holds about ``BLOCK_ELEMENTS`` of it.
    """
    batch = args[0].shape[0]
    size = max(1, BLOCK_ELEMENTS // max(per_sample, 1))
    if batch <= size:
        return fn(*args)
    parts = [fn(*(_rows(a, slice(i, i + size)) for a in args)) for i in range(0, batch, size)]
    return torch.cat([p for p, _ in parts]), torch.cat([g for _, g in parts])


def _rows(arg: Block, rows: slice) -> Block:
    if isinstance(arg, Neighbours):
        return Neighbours(arg.index[rows], None if arg.valid is None else arg.valid[rows])
    return None if arg is None else arg[rows]


class _Message(nn.Module):
    """``Σ_j φ([h_i, h_j, e_ij])`` over the neighbours j of every i, with ``φ = W₂ silu(W₁ · + b₁) + b₂``.

    By linearity ``W₁ [h_i, h_j, e_ij] = A h_i + B h_j + C e_ij``: A h and B h are computed per point, and
    ``W₂`` (with b₂ times the neighbour count) is applied after the sum over neighbours. Per edge only a
    gather, the 4-wide ``C e`` product, one add and the SiLU remain. Same function as the concatenated MLP.
    """

    def __init__(self, width: int, edge_dim: int):
        super().__init__()
        self.own = nn.Linear(width, width)
        self.other = nn.Linear(width, width, bias=False)
        self.edge = nn.Linear(edge_dim, width, bias=False)
        self.out = nn.Linear(width, width)

    def forward(self, h: Tensor, flat_index: Tensor, edge: Tensor, valid: Tensor | None, count: Tensor) -> Tensor:
        """``h (B, n, w)``, ``flat_index (B·n·m,)`` into ``h.flatten(0, 1)``, ``edge (B, n, m, e)``,
        ``valid (B, n, m) | None``, ``count (B, n, 1)`` neighbours per point → messages ``(B, n, w)``."""
        batch, n, m, _ = edge.shape
        width = h.shape[-1]
        pre = self.other(h).reshape(batch * n, width).index_select(0, flat_index)
        pre = pre.addmm_(edge.reshape(-1, edge.shape[-1]), self.edge.weight.t()).view(batch, n, m, width)
        act = nn.functional.silu(pre.add_(self.own(h).unsqueeze(2)))
        if valid is not None:
            act = act.mul_(valid.unsqueeze(-1))
        return nn.functional.linear(act.sum(2), self.out.weight) + count * self.out.bias


class MessagePassing(nn.Module):
    """A plain (non-equivariant) GNN over a neighbourhood given by the locality.

    Messages ``φ([h_i, h_j, x_j − x_i, |x_j − x_i|, s_i s_j])`` are summed over neighbours ``j`` (complete: every
    other point; ``knn(k)``: the k nearest; ``radius(r)``: within r), then ``h_i += ψ([h_i, m_i])``; ``s`` are
    the input channels listed in ``pair_scalars`` (invariant per-point scalars such as charges, whose products
    q_i q_j are the pair couplings of a physical system). Neighbourhoods
    come from distances, which rigid frames leave unchanged, so a frame-averaged model computes them once per
    input and passes them in (``neighbours``). Cost: O(B · n · m · h) per layer for the edges (see
    ``_Message``) plus O(B · n · h²) per point; knn/radius add O(B · n²) for the distances.
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
        pair_scalars: tuple[int, ...] = (),
    ):
        super().__init__()
        self.locality, self.k, self.radius = locality, k, radius
        self.pair_scalars = list(pair_scalars)
        self.embed = nn.Linear(point_in + global_in, width)
        self.messages = nn.ModuleList(_Message(width, 4 + len(pair_scalars)) for _ in range(depth))
        self.updates = nn.ModuleList(mlp([2 * width, width, width]) for _ in range(depth))
        self.point_head = mlp([width, width, point_out])
        self.global_head = mlp([width, width, global_out])

    def neighbours(self, positions: Tensor) -> Neighbours:
        """The locality's neighbourhoods of ``positions (B, n, d)`` (first three coordinates), per sample.

        Built by ``symc.locality.build_neighbourhood`` (the one neighbour builder of every method) and laid out
        as slots: complete/global: every other point; knn: the k nearest (ties: smaller index); radius: n − 1
        slots per point, valid within r. Per-sample ``(n, n)`` distances in blocks; no ``(B·n)²`` matrix.
        """
        batch, n, _ = positions.shape
        if self.locality in ("complete", "global") or n <= 1:
            return Neighbours(_all_others(n, positions.device).expand(batch, -1, -1), None)
        args = (("k", self.k),) if self.locality == "knn" else (("r", self.radius),)
        neighbourhood = build_neighbourhood(LocalitySpec(self.locality, args), positions[..., :3])
        return Neighbours(*neighbourhood.padded(batch, n))

    def forward(
        self, points: Tensor, globals_: Tensor, positions: Tensor | None, neighbours: Neighbours | None = None
    ) -> tuple[Tensor, Tensor]:
        """``points (B, n, Cp)``, ``globals_ (B, Cg)``, ``positions (B, n, d)`` → ``((B, n, Op), (B, Og))``.

        ``neighbours`` (default: computed from ``positions``) must be the locality's graph of ``positions``
        up to an isometry of each sample, e.g. the graph of the un-canonicalised input. Runs in blocks of
        samples (``in_blocks``)."""
        batch, n, _ = points.shape
        if positions is None:
            positions = points.new_zeros(batch, n, 3)
        distances = n if neighbours is None and self.locality in ("knn", "radius") else 0  # an (n, n) matrix
        m = min(self.k or 1, n - 1) if self.locality == "knn" else n - 1
        m = neighbours.index.shape[-1] if neighbours is not None else m
        per_sample = n * max(distances, m * self.embed.out_features, 1)  # the (n, m, h) edge activations
        return in_blocks(self._forward, per_sample, points, globals_, positions, neighbours)

    def _forward(
        self, points: Tensor, globals_: Tensor, positions: Tensor, neighbours: Neighbours | None
    ) -> tuple[Tensor, Tensor]:
        batch, n, _ = points.shape
        h = broadcast_linear(self.embed, points, globals_)
        graph = neighbours if neighbours is not None else self.neighbours(positions)
        m = graph.index.shape[-1]
        offsets = torch.arange(batch, device=points.device).mul_(n).view(batch, 1, 1)
        flat_index = (graph.index + offsets).reshape(-1)
        coords = nn.functional.pad(positions[..., :3], (0, max(0, 3 - positions.shape[-1])))
        relative = coords.reshape(batch * n, 3).index_select(0, flat_index).view(batch, n, m, 3) - coords.unsqueeze(2)
        scalars = points[..., self.pair_scalars]
        pairs = scalars.reshape(batch * n, -1).index_select(0, flat_index).view(batch, n, m, -1) * scalars.unsqueeze(2)
        edge = torch.cat([relative, relative.norm(dim=-1, keepdim=True), pairs], dim=-1)
        valid = graph.valid
        count = valid.sum(-1, keepdim=True).to(h.dtype) if valid is not None else h.new_full((batch, n, 1), m)
        for message, update in zip(self.messages, self.updates, strict=True):
            msg = message(h, flat_index, edge, valid, count)
            h = h + update(torch.cat([h, msg], dim=-1))
        pooled = h.mean(1) if n else h.new_zeros(batch, h.shape[-1])
        return self.point_head(h), self.global_head(pooled)


def _all_others(n: int, device: torch.device) -> Tensor:
    """``(1, n, n − 1)`` long: row i lists every j ≠ i in increasing order."""
    j = torch.arange(max(n - 1, 0), device=device)
    i = torch.arange(n, device=device).unsqueeze(1)
    return (j + (j >= i)).unsqueeze(0)


__all__ = [
    "DEFAULT_DEPTH",
    "DEFAULT_WIDTH",
    "FlatMLP",
    "MessagePassing",
    "Neighbours",
    "PointNet",
    "broadcast_linear",
    "in_blocks",
    "mlp",
]
