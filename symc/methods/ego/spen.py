"""Sub-graph permutation-equivariant networks: SPEN ``ego(k)`` and the whole-graph 2-IGN, on one machinery.

Each layer runs a 2-IGN update (Maron et al.: every S(m)-equivariant linear map between node features
``(m, C)`` and pair features ``(m, m, C)``, applied in closed form by ``apply_partition_op``) on every sub-graph
at once, then averages each node's (each edge's) outputs over the sub-graphs that contain it. Weights are shared
by all sub-graphs in one size bucket (SPEN shares them per sub-graph size; sizes 1, 2, 3-4, 5-8, ... share a
bucket, the largest sizes share the last one), and the sub-graphs of a bucket are processed as one zero-padded
tensor, so the Python loop runs over at most 7 buckets, never over nodes. Padding is exact: sums skip the zero
entries, means divide by each sub-graph's true size, and padded outputs are never read back.

Why it is exactly equivariant: a permutation of the full graph maps ego-nets to ego-nets of the same size, keeps
the centre marker and adjacency channels attached to the same nodes, and each sub-graph update is equivariant to
any reordering of its members; averaging over containing sub-graphs is a sum over a permuted index set.

Cost per layer: ``O(sum over sub-graphs of m_pad^2 * C^2)`` time and ``O(largest bucket * m_pad^2 * C)`` memory
(m_pad < 2 m below the last bucket); for ego-nets of bounded size this is linear in the number of nodes,
where a global 2-IGN is
``O(n^2 C)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from symc.layers.permutation import apply_partition_op, partition_ops
from symc.locality.egonets import SubgraphBatch
from symc.methods.ego.graphs import GraphBatch

OP_FAMILIES = ((1, 1), (2, 1), (1, 2), (2, 2))  # (input order, output order) of the node/pair maps
EGO_BUCKETS = 7  # sizes 1, 2, 3-4, 5-8, 9-16, 17-32, and > 32


def size_bucket(size: int, num_buckets: int) -> int:
    """Weight bucket of a sub-graph with ``size`` nodes: ``ceil(log2(size))``, capped at ``num_buckets - 1``."""
    return min(max(size - 1, 0).bit_length(), num_buckets - 1)


def reduced_blocks(labels: tuple[int, ...], k: int) -> int:
    """How many blocks of a partition op hold only input positions (each is a sum over one set axis)."""
    return len(set(labels[:k]) - set(labels[k:]))


class SubgraphLayer(nn.Module):
    """All S(m)-equivariant linear maps (nodes, pairs) -> (nodes, pairs), with one weight set per size bucket.

    forward: zero-padded ``nodes (B, m, node_in)``, ``pairs (B, m, m, pair_in)`` and the true ``sizes (B,)`` ->
    ``(B, m, node_out)``, ``(B, m, m, pair_out)``, exact on the real entries (padded outputs are never read).
    Reductions are sums divided by the true size per summed axis, so padding changes nothing. 2 + 5 ops reach
    the nodes, 5 + 15 the pairs; biases: one per node channel, one on and one off the diagonal per pair channel.
    Cost ``O(B m^2 C_in (C_in + C_out))``.
    """

    def __init__(self, node_in: int, pair_in: int, node_out: int, pair_out: int, num_buckets: int) -> None:
        super().__init__()
        widths_in, widths_out = {1: node_in, 2: pair_in}, {1: node_out, 2: pair_out}
        fan_in = {l: sum(len(partition_ops(k, l)) * widths_in[k] for k in (1, 2)) for l in (1, 2)}
        self.weights = nn.ParameterDict()
        for k, l in OP_FAMILIES:
            scale = 1.0 / math.sqrt(max(fan_in[l], 1))
            shape = (num_buckets, len(partition_ops(k, l)), widths_out[l], widths_in[k])
            self.weights[f"{k}to{l}"] = nn.Parameter(torch.randn(shape) * scale)
        self.node_bias = nn.Parameter(torch.zeros(num_buckets, node_out))
        self.pair_bias = nn.Parameter(torch.zeros(num_buckets, 2, pair_out))  # [off-diagonal, diagonal]

    def forward(self, nodes: Tensor, pairs: Tensor, sizes: Tensor, bucket: int) -> tuple[Tensor, Tensor]:
        count, size = nodes.shape[0], nodes.shape[1]
        inputs = {1: nodes, 2: pairs}
        outputs: dict[int, Tensor] = {1: self.node_bias[bucket], 2: self.pair_bias[bucket, 0]}
        inverse_size = 1.0 / sizes.to(nodes.dtype)
        for k, l in OP_FAMILIES:
            weight = self.weights[f"{k}to{l}"][bucket]
            if weight.shape[2] == 0:
                continue
            for labels, w in zip(partition_ops(k, l), weight, strict=True):
                term = apply_partition_op(inputs[k], labels, k, l, reduction="sum", weight=w)
                summed_axes = reduced_blocks(labels, k)
                if summed_axes:
                    term = term * (inverse_size**summed_axes).reshape(count, *([1] * (l + 1)))
                outputs[l] = outputs[l] + term
        diagonal = torch.eye(size, dtype=pairs.dtype, device=pairs.device)[:, :, None]
        pair_out = outputs[2] + diagonal * (self.pair_bias[bucket, 1] - self.pair_bias[bucket, 0])
        return outputs[1].expand(count, size, -1), pair_out.expand(count, size, size, -1)


@dataclass(frozen=True)
class BucketGroup:
    """The sub-graphs of one size bucket, zero-padded to the largest: ``members (B, m)`` global node ids
    (-1 on padding), ``sizes (B,)``, ``center (B,)`` local centre positions (-1: none); their induced edges as
    rows into the stack, local (source, target) positions and edge ids."""

    bucket: int
    members: Tensor
    sizes: Tensor
    center: Tensor
    edge_row: Tensor
    edge_source: Tensor
    edge_target: Tensor
    edge_id: Tensor


def group_by_bucket(subgraphs: SubgraphBatch, num_buckets: int) -> list[BucketGroup]:
    """Stack the sub-graphs of each size bucket, padded to the bucket's largest size. O(B m) per bucket."""
    sizes = subgraphs.sizes
    starts = torch.cumsum(sizes, 0) - sizes
    # ceil(log2(size)) as in size_bucket; log2 of a power of two is exact in float64.
    exponent = torch.ceil(torch.log2(sizes.clamp_min(1).to(torch.float64))).long()
    bucket_of = exponent.clamp_max(num_buckets - 1)
    rank = torch.zeros_like(sizes)
    groups = []
    for bucket in torch.unique(bucket_of[sizes > 0]).tolist():
        ids = torch.nonzero((bucket_of == bucket) & (sizes > 0)).squeeze(1)
        rank[ids] = torch.arange(ids.numel(), device=ids.device)
        group_sizes = sizes[ids]
        offsets = torch.arange(int(group_sizes.max()), device=ids.device)
        real = offsets < group_sizes[:, None]
        positions = (starts[ids][:, None] + offsets).clamp_max(max(subgraphs.node.numel() - 1, 0))
        members = torch.where(real, subgraphs.node[positions], torch.full_like(positions, -1))
        chosen = torch.nonzero(bucket_of[subgraphs.edge_owner] == bucket).squeeze(1)
        groups.append(
            BucketGroup(
                bucket,
                members,
                group_sizes,
                subgraphs.center_local[ids],
                rank[subgraphs.edge_owner[chosen]],
                subgraphs.edge_source[chosen],
                subgraphs.edge_target[chosen],
                subgraphs.edge_id[chosen],
            )
        )
    return groups


class SubgraphNetwork(nn.Module):
    """``layers`` sub-graph updates with mean aggregation back to the graph and a pointwise activation.

    forward: ``GraphBatch`` (nodes ``(N, C_node)``, edges ``(E, C_edge)``) and its sub-graphs ->
    node states ``(N, hidden)`` and edge states ``(E, hidden)``. Inside each sub-graph the pair tensor carries
    the edge states plus an adjacency channel; with ``mark_centers`` the node tensor carries a centre channel.
    """

    def __init__(
        self,
        node_in: int,
        edge_in: int,
        hidden: int,
        layers: int,
        num_buckets: int,
        mark_centers: bool,
        activation: nn.Module,
    ) -> None:
        super().__init__()
        self.num_buckets, self.mark_centers, self.activation = num_buckets, mark_centers, activation
        marker = int(mark_centers)
        self.layers = nn.ModuleList(
            SubgraphLayer(
                (node_in if i == 0 else hidden) + marker,
                (edge_in if i == 0 else hidden) + 1,
                hidden,
                hidden,
                num_buckets,
            )
            for i in range(layers)
        )

    def forward(self, batch: GraphBatch, subgraphs: SubgraphBatch) -> tuple[Tensor, Tensor]:
        groups = group_by_bucket(subgraphs, self.num_buckets)
        num_nodes, num_edges = batch.nodes.shape[0], batch.edges.shape[0]
        node_count = torch.bincount(subgraphs.node, minlength=num_nodes).clamp_min(1)[:, None]
        edge_count = torch.bincount(subgraphs.edge_id, minlength=num_edges).clamp_min(1)[:, None]
        nodes, edges = batch.nodes, batch.edges
        for layer in self.layers:
            node_sum, edge_sum = self._update(layer, groups, nodes, edges)
            nodes = self.activation(node_sum / node_count.to(node_sum.dtype))
            edges = self.activation(edge_sum / edge_count.to(edge_sum.dtype))
        return nodes, edges

    def _update(
        self, layer: SubgraphLayer, groups: list[BucketGroup], nodes: Tensor, edges: Tensor
    ) -> tuple[Tensor, Tensor]:
        """Per bucket: gather into zero-padded sub-graph tensors, apply the layer, scatter-add the real entries."""
        width = layer.node_bias.shape[1]
        node_sum = nodes.new_zeros(nodes.shape[0], width)
        edge_sum = edges.new_zeros(edges.shape[0], width)
        for group in groups:
            count, size = group.members.shape
            real = group.members >= 0
            x_nodes = nodes[group.members.clamp_min(0)] * real[:, :, None].to(nodes.dtype)
            if self.mark_centers:
                marker = x_nodes.new_zeros(count, size, 1)
                has_center = torch.nonzero(group.center >= 0).squeeze(1)
                marker[has_center, group.center[has_center], 0] = 1.0
                x_nodes = torch.cat([x_nodes, marker], dim=-1)
            x_pairs = edges.new_zeros(count, size, size, edges.shape[1] + 1)
            where = (group.edge_row, group.edge_source, group.edge_target)
            x_pairs[where] = torch.cat([edges[group.edge_id], edges.new_ones(group.edge_id.numel(), 1)], dim=-1)
            y_nodes, y_pairs = layer(x_nodes, x_pairs, group.sizes, group.bucket)
            node_sum.index_add_(0, group.members[real], y_nodes[real])
            edge_sum.index_add_(0, group.edge_id, y_pairs[where])
        return node_sum, edge_sum
