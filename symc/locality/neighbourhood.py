"""One neighbour structure for every locality and every method: ``build_neighbourhood`` -> ``Neighbourhood``.

| locality | edges j → i |
|---|---|
| ``complete``, ``global`` | every other node of the same cloud |
| ``knn(k)`` | the min(k, n − 1) nearest other nodes (ties: smaller j), from positions |
| ``radius(r)`` | every other node with ``Σ (x_i − x_j)² ≤ r²``, from positions |
| ``graph(edges = F)`` | where the per-pair input F is non-zero (any channel), made undirected |
| ``ego(k, edges = F)`` | the graph of F (the complete graph without ``edges``); ego-nets are cut from it |

Layouts. Positions are dense ``(batch, n, d)``: node ``b·n + i`` is point i of cloud b. The ``edges`` field is dense
``(batch, n, n, c)`` (an edge s–t exists where any channel of ``F[b, s, t]`` or ``F[b, t, s]`` is non-zero, s ≠ t),
or an edge list: an integer ``(2, E)`` tensor in the field itself, or the ``"edge_index"`` key of ``inputs`` with the
field holding one feature row per column. Edge lists index the flat nodes. Graphs are undirected: an edge given in
one direction is an edge both ways, self-loops are dropped, duplicates merged (their features summed); the message
s → t carries the features given for (s, t), zeros when only (t, s) was given.

Edges are sorted by receiver then sender (knn: receiver, distance, sender; graphs: sender then receiver, which is
the same set since they are symmetric). Pure torch on the inputs' device. complete and knn have static shapes (no
host synchronisation); radius and graph compact a mask once (``nonzero``, the one sync a variable edge count
needs); an edge list is checked once against the node count. Clouds of ``BRUTE_FORCE_BELOW`` points or more go
through the cell lists of ``symc.locality.neighbours``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from symc.errors import EdgeListError, SymcError
from symc.ir import LocalitySpec
from symc.locality.egonets import UndirectedGraph, coalesce_undirected
from symc.locality.neighbours import BRUTE_FORCE_BELOW, knn_graph, radius_graph

EDGE_INDEX_KEY, BATCH_KEY = "edge_index", "batch"
BLOCK_ENTRIES = 1 << 22  # pair distances held at once by the dense knn/radius routes
METRIC = ("knn", "radius")
STRUCTURAL = ("graph", "ego")


@dataclass(frozen=True)
class Neighbourhood:
    """Who sends to whom.

    ``edge_index (2, E)`` long: row 0 senders j, row 1 receivers i (messages j → i). ``batch (N,)`` the cloud of each
    node, ``num_nodes`` N, ``num_clouds``. ``edge_features (E, c)``: the ``edges`` field's rows on the edges (graph
    and ego localities; ones for an edge list without features), else None. ``per_receiver``: the exact number of
    edges of every receiver when it is fixed (complete: n − 1, knn: min(k, n − 1)), else None. ``graph``: the
    coalesced ``UndirectedGraph`` (CSR, where each user edge went) for graph and ego localities. ``slots (N,)``:
    each node's flat position in a padded ``(batch · n)`` layout when a mask dropped nodes, else None.
    """

    edge_index: Tensor
    batch: Tensor
    num_nodes: int
    num_clouds: int
    edge_features: Tensor | None = None
    per_receiver: int | None = None
    graph: UndirectedGraph | None = None
    slots: Tensor | None = None
    padded_n: int | None = None
    _user_edges: Tensor | None = None  # for edge-list features: coalesced edge of each user column (-1: loop)

    @property
    def senders(self) -> Tensor:
        return self.edge_index[0]

    @property
    def receivers(self) -> Tensor:
        return self.edge_index[1]

    @property
    def num_edges(self) -> int:
        return self.edge_index.shape[1]

    def degree(self, dtype: torch.dtype = torch.long) -> Tensor:
        """Edges received by each node, ``(N,)``."""
        ones = torch.ones(self.num_edges, dtype=dtype, device=self.edge_index.device)
        return torch.zeros(self.num_nodes, dtype=dtype, device=ones.device).index_add_(0, self.receivers, ones)

    def gather_pairs(self, pairs: Tensor) -> Tensor:
        """Rows ``(E, c)`` of a per-pair tensor on the edges: dense ``(batch, n, n, c)`` read at [sender, receiver];
        edge-list rows ``(E_user, c)`` summed onto the coalesced edges they became."""
        if self._user_edges is not None and pairs.dim() == 2:
            out = pairs.new_zeros(self.num_edges, pairs.shape[1])
            kept = self._user_edges >= 0
            return out.index_add_(0, self._user_edges[kept], pairs[kept])
        if pairs.shape[-1] == 0:
            return pairs.new_zeros(self.num_edges, 0)
        n = pairs.shape[1]
        slots = self.slots if self.slots is not None else torch.arange(self.num_nodes, device=pairs.device)
        flat = pairs.reshape(-1, n, pairs.shape[-1])
        return flat[slots[self.senders], slots[self.receivers] % n]

    def padded(self, batch_size: int, n: int) -> tuple[Tensor, Tensor | None]:
        """Each receiver's senders as local indices ``(batch, n, m)`` and ``valid (batch, n, m)`` (None when every
        slot is an edge). m = ``per_receiver`` when fixed, else n − 1 (radius). Edges must be receiver-sorted."""
        senders, receivers = self.edge_index
        local = senders % max(n, 1)
        if self.per_receiver is not None:
            return local.reshape(batch_size, n, self.per_receiver), None
        m = max(n - 1, 0)
        first = torch.searchsorted(receivers, receivers, right=False)
        rank = torch.arange(receivers.numel(), device=receivers.device) - first
        index = torch.zeros(batch_size * n, m, dtype=torch.long, device=receivers.device)
        valid = torch.zeros(batch_size * n, m, dtype=torch.bool, device=receivers.device)
        index[receivers, rank] = local
        valid[receivers, rank] = True
        return index.reshape(batch_size, n, m), valid.reshape(batch_size, n, m)


def build_neighbourhood(
    locality: LocalitySpec,
    positions: Tensor | None = None,
    inputs: dict[str, Tensor] | None = None,
    *,
    shape: tuple[int, int] | None = None,
    mask: Tensor | None = None,
    num_nodes: int | None = None,
) -> Neighbourhood:
    """The neighbourhood of ``locality`` (see the module docstring).

    ``positions (batch, n, d)`` (knn, radius; optional otherwise); ``inputs`` the model's input dict (graph, ego:
    the ``edges`` field, ``"edge_index"``, ``"batch"``); ``shape = (batch, n)`` when neither positions nor a dense
    field gives it; ``mask (batch, n)`` bool keeps only the real nodes of padded clouds (graph, ego, complete);
    ``num_nodes`` the flat node count for an ``"edge_index"`` input (default: from ``inputs["batch"]``).
    Raises ``EdgeListError`` naming the field for malformed graphs, ``SymcError`` for unknown localities.
    """
    kind = locality.kind
    inputs = inputs or {}
    name = locality.get("edges")
    field = None if name is None else str(name)
    if kind in STRUCTURAL and field is not None:
        given = inputs.get(field)
        if given is None:
            raise EdgeListError(f"missing the edges field '{field}'", hint=f"pass inputs['{field}']")
        if EDGE_INDEX_KEY in inputs or not (given.is_floating_point() or given.dtype == torch.bool):
            return _from_edge_list(field, given, inputs, positions, shape, num_nodes)
        return _from_dense(kind, field, given, mask)
    if kind in ("complete", "global") or (kind == "ego" and field is None):
        if mask is not None or kind == "ego":
            b, n = _dense_shape(positions, shape, inputs)
            device = _device(positions, inputs)
            return _from_dense(kind, None, torch.ones(b, n, n, 1, dtype=torch.bool, device=device), mask)
        return _complete(*_dense_shape(positions, shape, inputs), _device(positions, inputs))
    if kind in METRIC:
        if positions is None or positions.dim() != 3:
            raise SymcError(f"locality {kind} needs positions (batch, n, d)", hint="pass the per-point point input")
        with torch.no_grad():
            return _metric(locality, positions.detach())
    raise SymcError(f"unknown locality '{kind}'", hint="complete, global, knn, radius, graph or ego")


def _device(positions: Tensor | None, inputs: dict[str, Tensor]) -> torch.device:
    if positions is not None:
        return positions.device
    return next(iter(inputs.values())).device if inputs else torch.device("cpu")


def _dense_shape(positions, shape, inputs) -> tuple[int, int]:
    if positions is not None:
        return positions.shape[0], positions.shape[1]
    if shape is None:
        raise SymcError("the neighbourhood needs positions or shape = (batch, n)")
    return shape


def _clouds(b: int, n: int, device: torch.device) -> Tensor:
    return torch.arange(b, device=device).repeat_interleave(n)


def _complete(b: int, n: int, device: torch.device) -> Neighbourhood:
    """Every j ≠ i of each cloud, receiver-major, senders increasing. Static shapes."""
    j = torch.arange(max(n - 1, 0), device=device)
    i = torch.arange(n, device=device)[:, None]
    local = (j + (j >= i)).reshape(-1)  # (n(n−1),) senders of receivers 0, 0, ..., 1, ...
    shift = (torch.arange(b, device=device) * n).repeat_interleave(local.numel())
    senders = local.repeat(b) + shift
    receivers = torch.arange(b * n, device=device).repeat_interleave(max(n - 1, 0))
    return Neighbourhood(torch.stack([senders, receivers]), _clouds(b, n, device), b * n, b, per_receiver=n - 1)


def _metric(locality: LocalitySpec, pos: Tensor) -> Neighbourhood:
    b, n, _ = pos.shape
    device = pos.device
    batch = _clouds(b, n, device)
    if locality.kind == "knn":
        k = int(locality.get("k"))
        m = max(min(k, n - 1), 0)
        if n >= BRUTE_FORCE_BELOW:  # one large cloud: the cell-list search
            edges = knn_graph(pos.reshape(b * n, -1), k, batch)
        else:
            parts = []
            for start, block in _blocks(pos):
                sq = (block[:, :, None, :] - block[:, None, :, :]).pow(2).sum(-1)
                sq.diagonal(dim1=1, dim2=2).fill_(torch.inf)
                nearest = torch.sort(sq, dim=-1, stable=True).indices[..., :m]  # ties: smaller j
                parts.append(nearest + ((start + torch.arange(block.shape[0], device=device)) * n)[:, None, None])
            senders = torch.cat(parts).reshape(-1) if parts else torch.empty(0, dtype=torch.long, device=device)
            receivers = torch.arange(b * n, device=device).repeat_interleave(m)
            edges = torch.stack([senders, receivers])
        return Neighbourhood(edges, batch, b * n, b, per_receiver=m)
    r = float(locality.get("r"))
    if n >= BRUTE_FORCE_BELOW:
        return Neighbourhood(radius_graph(pos.reshape(b * n, -1), r, batch), batch, b * n, b)
    found = []
    eye = torch.eye(n, dtype=torch.bool, device=device)
    for start, block in _blocks(pos):
        sq = (block[:, :, None, :] - block[:, None, :, :]).pow(2).sum(-1)
        c, i, j = torch.nonzero((sq <= r * r) & ~eye, as_tuple=True)  # (cloud, receiver i, sender j)
        found.append(torch.stack([(c + start) * n + j, (c + start) * n + i]))
    edges = torch.cat(found, dim=1) if found else torch.empty(2, 0, dtype=torch.long, device=device)
    return Neighbourhood(edges, batch, b * n, b)


def _blocks(pos: Tensor):
    b, n, _ = pos.shape
    size = max(1, BLOCK_ENTRIES // max(n * n, 1))
    for start in range(0, b, size):
        yield start, pos[start : start + size]


def _from_dense(kind: str, field: str | None, given: Tensor, mask: Tensor | None) -> Neighbourhood:
    """An undirected graph where any channel of a dense ``(batch, n, n, c)`` field is non-zero."""
    if given.dim() != 4 or given.shape[1] != given.shape[2]:
        raise EdgeListError(
            f"edges field '{field}' has shape {tuple(given.shape)}: expected a dense (batch, n, n, c) per-pair "
            "tensor or an integer edge list (2, E)",
            hint="per-pair fields are square; an edge list must hold integers",
        )
    b, n = given.shape[0], given.shape[1]
    device = given.device
    real = torch.ones(b, n, dtype=torch.bool, device=device) if mask is None else mask
    if real.shape != (b, n) or real.dtype != torch.bool:
        raise SymcError(f"'mask' must be a bool tensor of shape {(b, n)}, got {tuple(real.shape)} {real.dtype}")
    present = real[:, :, None] & real[:, None, :] & ~torch.eye(n, dtype=torch.bool, device=device)
    present = present & (given != 0).any(dim=-1)
    slots = torch.nonzero(real.reshape(-1)).squeeze(1)
    renumber = torch.full((b * n,), -1, dtype=torch.long, device=device)
    renumber[slots] = torch.arange(slots.numel(), device=device)
    c, s, t = torch.nonzero(present, as_tuple=True)
    graph = coalesce_undirected(torch.stack([renumber[c * n + s], renumber[c * n + t]]), slots.numel())
    nb = Neighbourhood(
        graph.edge_index, slots // n, slots.numel(), b, graph=graph, slots=None if mask is None else slots, padded_n=n
    )
    if field is None:
        return nb
    features = nb.gather_pairs(given) if given.is_floating_point() else None
    return _replace(nb, edge_features=features)


def _replace(nb: Neighbourhood, **changes) -> Neighbourhood:
    values = {k: getattr(nb, k) for k in Neighbourhood.__dataclass_fields__}
    return Neighbourhood(**(values | changes))


def _from_edge_list(field, given, inputs, positions, shape, num_nodes) -> Neighbourhood:
    """An edge list: the field itself (integer ``(2, E)``) or ``inputs["edge_index"]`` with feature rows."""
    with_rows = EDGE_INDEX_KEY in inputs
    edge_index = inputs[EDGE_INDEX_KEY] if with_rows else given
    what = f"edges field '{field}'" + (" (its 'edge_index')" if with_rows else "")
    batch = inputs.get(BATCH_KEY)
    if num_nodes is None:
        if batch is not None:
            num_nodes = batch.shape[0]
        elif positions is not None or shape is not None:
            b, n = _dense_shape(positions, shape, inputs)
            num_nodes = b * n
            batch = _clouds(b, n, edge_index.device)
        else:
            raise EdgeListError(f"{what}: the number of nodes is unknown", hint="pass a per-node input or 'batch'")
    check_edge_list(edge_index, num_nodes, what)
    if batch is None:
        batch = torch.zeros(num_nodes, dtype=torch.long, device=edge_index.device)
    num_clouds = int(batch.max()) + 1 if num_nodes else 0
    if num_nodes and bool((batch[edge_index[0]] != batch[edge_index[1]]).any()):
        raise EdgeListError(f"{what}: an edge joins nodes of two different clouds of the batch")
    graph = coalesce_undirected(edge_index, num_nodes)
    nb = Neighbourhood(graph.edge_index, batch.long(), num_nodes, num_clouds, graph=graph, _user_edges=graph.user_edge)
    if with_rows:
        if given.dim() != 2 or given.shape[0] != edge_index.shape[1]:
            raise EdgeListError(
                f"edges field '{field}' has shape {tuple(given.shape)}, expected one row per edge "
                f"({edge_index.shape[1]}, c)"
            )
        return _replace(nb, edge_features=nb.gather_pairs(given))
    return nb


def check_edge_list(edge_index: Tensor, num_nodes: int, what: str = "edge_index") -> None:
    """Raise ``EdgeListError`` (naming ``what``) unless ``edge_index`` is an integer ``(2, E)`` tensor with entries
    in ``[0, num_nodes)``."""
    if edge_index.dtype == torch.bool or edge_index.is_floating_point() or edge_index.is_complex():
        raise EdgeListError(
            f"{what} must hold integer node indices, got dtype {edge_index.dtype}",
            hint="pass a torch.long tensor of node indices, shape (2, E)",
        )
    if edge_index.dim() != 2 or edge_index.shape[0] != 2:
        raise EdgeListError(
            f"{what} must have shape (2, E), got {tuple(edge_index.shape)}",
            hint="row 0 holds senders, row 1 receivers (torch_geometric's convention)",
        )
    if edge_index.numel():
        low, high = int(edge_index.min()), int(edge_index.max())
        if low < 0:
            raise EdgeListError(f"{what} holds a negative node index ({low})", hint="node indices count from 0")
        if high >= num_nodes:
            raise EdgeListError(
                f"{what} holds node index {high}, out of range for {num_nodes} nodes",
                hint="node indices count from 0 within the whole batch",
            )


__all__ = ["EdgeListError", "Neighbourhood", "build_neighbourhood", "check_edge_list"]
