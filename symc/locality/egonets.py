"""Sub-graph extraction on an edge index, batched in torch: k-hop ego-nets (SPEN) and whole graphs (2-IGN).

A graph here is an undirected simple graph on ``num_nodes`` nodes (several graphs of a batch are one graph with
no edges between them). ``coalesce_undirected`` turns a user's ``[2, E]`` edge index into that form: both
directions present, self-loops dropped (they change no hop distance), duplicates merged; it also says where each
user edge went so that edge attributes can follow.

``ego_subgraphs`` runs a frontier BFS from every node at once: the reached set is a sorted tensor of keys
``center * N + node``; each hop expands the frontier's pairs through the CSR adjacency (``repeat_interleave``,
no Python loop over nodes) and keeps the keys not reached before. Time and memory O(sum over ego-nets of the
edges incident to their members), i.e. O(N d^(k+1)) for bounded degree d. The induced edges of every ego-net are
found the same way: expand each member's neighbours and keep those that are members too (binary search).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from symc.errors import SymcError


@dataclass(frozen=True)
class UndirectedGraph:
    """A coalesced graph: ``edge_index (2, E)`` sorted by (source, target), both directions, no self-loops.

    ``rowptr (N + 1,)`` is its CSR pointer; ``user_edge (E_user,)`` gives, for each column of the user's edge
    index, the coalesced edge it became (-1 for a dropped self-loop); ``reverse_of_user`` the same for the
    reverse direction.
    """

    num_nodes: int
    edge_index: Tensor
    rowptr: Tensor
    user_edge: Tensor
    reverse_of_user: Tensor

    @property
    def num_edges(self) -> int:
        return self.edge_index.shape[1]


@dataclass(frozen=True)
class SubgraphBatch:
    """Sub-graphs of one graph, flattened: memberships sorted by (sub-graph, node).

    ``owner (P,)``/``node (P,)``: membership p puts global ``node[p]`` in sub-graph ``owner[p]`` at local position
    ``local[p]``; ``sizes (S,)`` nodes per sub-graph; ``center_local (S,)`` local position of the ego-net's centre
    (-1 when a sub-graph has no centre, as for whole graphs). Induced directed edges: ``edge_owner (Q,)``,
    ``edge_source``/``edge_target (Q,)`` local positions, ``edge_id (Q,)`` index into the coalesced edge list.
    """

    owner: Tensor
    node: Tensor
    local: Tensor
    sizes: Tensor
    center_local: Tensor
    edge_owner: Tensor
    edge_source: Tensor
    edge_target: Tensor
    edge_id: Tensor


def coalesce_undirected(edge_index: Tensor, num_nodes: int) -> UndirectedGraph:
    """Symmetrise, drop self-loops and merge duplicates of a checked ``(2, E)`` edge index. O(E log E)."""
    edge_index = edge_index.long()
    source, target = edge_index[0], edge_index[1]
    loop = source == target
    keys = torch.cat([source * num_nodes + target, target * num_nodes + source])
    keys = keys[torch.cat([~loop, ~loop])]
    unique_keys = torch.unique(keys, sorted=True)
    coalesced = torch.stack([unique_keys // num_nodes, unique_keys % num_nodes])
    counts = torch.bincount(coalesced[0], minlength=num_nodes)
    rowptr = torch.zeros(num_nodes + 1, dtype=torch.long, device=edge_index.device)
    rowptr[1:] = torch.cumsum(counts, 0)
    user_edge = _lookup(unique_keys, source * num_nodes + target, ~loop)
    reverse = _lookup(unique_keys, target * num_nodes + source, ~loop)
    return UndirectedGraph(num_nodes, coalesced, rowptr, user_edge, reverse)


def _lookup(sorted_keys: Tensor, keys: Tensor, valid: Tensor) -> Tensor:
    """Positions of ``keys`` in ``sorted_keys`` where ``valid``, else -1 (every valid key is present)."""
    positions = torch.searchsorted(sorted_keys, keys)
    return torch.where(valid, positions, torch.full_like(positions, -1))


def _expand(graph: UndirectedGraph, owner: Tensor, node: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Every (owner, neighbour of node) pair, and the coalesced edge it crossed. O(sum of the degrees)."""
    degree = graph.rowptr[node + 1] - graph.rowptr[node]
    total = int(degree.sum())
    owner_rep = torch.repeat_interleave(owner, degree, output_size=total)
    first = torch.repeat_interleave(graph.rowptr[node], degree, output_size=total)
    block_start = torch.repeat_interleave(torch.cumsum(degree, 0) - degree, degree, output_size=total)
    edge = first + torch.arange(total, device=node.device) - block_start
    return owner_rep, graph.edge_index[1, edge], edge


def ego_subgraphs(graph: UndirectedGraph, hops: int) -> SubgraphBatch:
    """The ``hops``-hop ego-net of every node (nodes at distance <= hops and the edges among them).

    One sub-graph per node, in node order; sub-graph c's centre is node c. ``hops`` = 0 gives single nodes.
    """
    if hops < 0:
        raise SymcError(f"ego-nets need hops >= 0, got {hops}", hint="write e.g. ego(k = 2)")
    n = graph.num_nodes
    device = graph.edge_index.device
    reached = torch.arange(n, device=device) * (n + 1)  # keys c * n + c: each centre reaches itself
    frontier_owner = frontier_node = torch.arange(n, device=device)
    for _ in range(hops):
        owner, neighbour, _ = _expand(graph, frontier_owner, frontier_node)
        candidates = torch.unique(owner * n + neighbour, sorted=True)
        fresh = candidates[~_member(reached, candidates)]
        if fresh.numel() == 0:
            break
        reached = torch.sort(torch.cat([reached, fresh])).values
        frontier_owner, frontier_node = fresh // n, fresh % n
    owner, node = reached // n, reached % n
    return _with_induced_edges(graph, owner, node, center=node == owner, num_subgraphs=n)


def whole_graphs(graph: UndirectedGraph, batch: Tensor, num_graphs: int) -> SubgraphBatch:
    """One sub-graph per graph of the batch (``batch (N,)`` graph id of each node), without a centre."""
    node = torch.argsort(batch, stable=True)
    return _with_induced_edges(graph, batch[node], node, center=None, num_subgraphs=num_graphs)


def _member(sorted_keys: Tensor, keys: Tensor) -> Tensor:
    """Boolean mask: which ``keys`` occur in ``sorted_keys`` (binary search, O(len(keys) log len(sorted)))."""
    if sorted_keys.numel() == 0:
        return torch.zeros_like(keys, dtype=torch.bool)
    positions = torch.searchsorted(sorted_keys, keys).clamp_max(sorted_keys.numel() - 1)
    return sorted_keys[positions] == keys


def _with_induced_edges(
    graph: UndirectedGraph, owner: Tensor, node: Tensor, center: Tensor | None, num_subgraphs: int
) -> SubgraphBatch:
    """Local positions, sizes and the induced edges of memberships already sorted by (owner, node)."""
    n = graph.num_nodes
    sizes = torch.bincount(owner, minlength=num_subgraphs)
    starts = torch.cumsum(sizes, 0) - sizes
    local = torch.arange(owner.numel(), device=owner.device) - starts[owner]
    center_local = torch.full((num_subgraphs,), -1, dtype=torch.long, device=owner.device)
    if center is not None:
        center_local[owner[center]] = local[center]
    membership_keys = owner * n + node
    edge_owner, neighbour, edge_id = _expand(graph, owner, node)
    source = torch.repeat_interleave(local, graph.rowptr[node + 1] - graph.rowptr[node])
    target_keys = edge_owner * n + neighbour
    inside = _member(membership_keys, target_keys)
    target = torch.searchsorted(membership_keys, target_keys[inside]) - starts[edge_owner[inside]]
    return SubgraphBatch(
        owner, node, local, sizes, center_local, edge_owner[inside], source[inside], target, edge_id[inside]
    )
