"""Graph inputs for the sub-graph models: dense padded fields or a ``[2, E]`` edge index, to one flat graph batch.

Two input forms, both dicts of named fields (the spec's names):

- **dense** (the field contract of every symc model): per node ``(batch, n, d)``, per pair ``(batch, n, n, d)``,
  global ``(batch, d)``; an optional ``"mask" (batch, n)`` bool marks real nodes, so graphs of different sizes
  share one padded tensor. The graph is where the ``edges`` field is non-zero (any channel, off the diagonal,
  both ends real); without an ``edges`` field it is the complete graph on the real nodes.
- **edge index** (torch_geometric's convention): ``"edge_index" (2, E)`` integer, optional ``"batch" (N,)`` graph
  id of each node (default: one graph), per node ``(N, d)``, per pair ``(E, d)`` one row per column of
  ``edge_index``, global ``(num_graphs, d)``.

Documented behaviour: the graph is undirected (an edge given in one direction is an edge both ways); self-loops
are dropped from the structure and their attributes ignored; duplicate edges are merged and their attributes
summed; pair attributes sit on the direction they were given (the reverse direction, if absent, gets zeros). In
dense form every per-pair field is read on the graph's edges only. A graph of zero nodes inside a batch (all of its
mask False) is allowed: its global outputs are the readout of an empty set (zeros before the last linear map). A
batch of no graphs at all is refused by the field contract (``symc.layers.contract``), which checks every input.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from symc.ir import FieldSpec, LocalitySpec
from symc.layers.contract import BATCH_KEY, EDGE_INDEX, EDGE_INDEX_KEY, MASK_KEY, FieldValues
from symc.locality.egonets import UndirectedGraph, coalesce_undirected
from symc.locality.neighbourhood import EdgeListError, Neighbourhood, build_neighbourhood, check_edge_list


@dataclass(frozen=True)
class GraphBatch:
    """Several graphs as one: ``batch (N,)`` graph of each node, features concatenated in field order.

    ``nodes (N, C_node)``, ``edges (E, C_edge)`` on the coalesced directed edges, ``globals (G, C_global)``.
    ``dense_slots (N,)`` is each node's flat position in the padded ``(batch * n)`` layout (dense form only).
    """

    graph: UndirectedGraph
    batch: Tensor
    num_graphs: int
    nodes: Tensor
    edges: Tensor
    globals: Tensor
    padded_n: int | None
    dense_slots: Tensor | None


class GraphAssembler:
    """Turns inputs read by the field contract into a ``GraphBatch``, and writes outputs back in their form."""

    def __init__(
        self,
        inputs: tuple[FieldSpec, ...],
        outputs: tuple[FieldSpec, ...],
        dims: dict[str, int],
        edges_field: str | None,
    ) -> None:
        self.inputs, self.outputs, self.dims, self.edges_field = inputs, outputs, dims, edges_field

    def _locality(self) -> LocalitySpec:
        """The structure of the dense form: the ``edges`` field's graph, or the complete graph (as ``ego``)."""
        if self.edges_field is None:
            return LocalitySpec("ego", (("k", 1),))
        return LocalitySpec("graph", (("edges", self.edges_field),))

    def width(self, order: int) -> int:
        """Channels of all inputs of one order, concatenated."""
        return sum(self.dims[f.name] for f in self.inputs if f.order == order)

    def assemble(self, read: FieldValues) -> GraphBatch:
        """The graph batch of checked inputs (``FieldContract(..., graph_forms=True)``)."""
        if read.form == EDGE_INDEX:
            return self._from_edge_index(read.values, read.batch, read.n)
        return self._from_dense(read.values, read.batch, read.n)

    def _from_edge_index(self, values: dict[str, Tensor], num_graphs: int, num_nodes: int) -> GraphBatch:
        edge_index = values[EDGE_INDEX_KEY]
        batch = values.get(BATCH_KEY)
        if batch is None:
            batch = torch.zeros(num_nodes, dtype=torch.long, device=edge_index.device)
        what = "edge_index" if self.edges_field is None else f"edges field '{self.edges_field}' (its 'edge_index')"
        check_edge_list(edge_index, num_nodes, what)
        if num_nodes and bool((batch[edge_index[0]] != batch[edge_index[1]]).any()):
            raise EdgeListError(
                f"{what}: an edge joins nodes of two different graphs of the batch",
                hint="edge_index and batch disagree",
            )
        graph = coalesce_undirected(edge_index, num_nodes)
        nodes = self._concat(values, 1, (num_nodes,), edge_index.device)
        user = self._concat(values, 2, (edge_index.shape[1],), edge_index.device)
        edges = Neighbourhood(graph.edge_index, batch, num_nodes, num_graphs, _user_edges=graph.user_edge).gather_pairs(
            user
        )
        globals_ = self._concat(values, 0, (num_graphs,), edge_index.device)
        return GraphBatch(graph, batch.long(), num_graphs, nodes, edges, globals_, None, None)

    def _from_dense(self, values: dict[str, Tensor], batch_size: int, n: int) -> GraphBatch:
        device = next(iter(values.values())).device
        real = values.get(MASK_KEY)
        if real is None:
            real = torch.ones(batch_size, n, dtype=torch.bool, device=device)
        nodes = self._concat(values, 1, (batch_size, n), device)
        pairs = self._concat(values, 2, (batch_size, n, n), device)
        nb = build_neighbourhood(
            self._locality(), None, values, shape=(batch_size, n), mask=real.reshape(batch_size, n)
        )
        slots = nb.slots if nb.slots is not None else torch.arange(batch_size * n, device=device)
        globals_ = self._concat(values, 0, (batch_size,), device)
        flat_nodes = nodes.reshape(batch_size * n, nodes.shape[-1])[slots]
        return GraphBatch(nb.graph, nb.batch, batch_size, flat_nodes, nb.gather_pairs(pairs), globals_, n, slots)

    def _concat(self, values: dict[str, Tensor], order: int, leading: tuple[int, ...], device: torch.device) -> Tensor:
        """The inputs of one order concatenated along channels, ``leading + (width,)``."""
        parts = [values[f.name] for f in self.inputs if f.order == order]
        if not parts:
            dtype = next(x.dtype for x in values.values() if x.is_floating_point())
            return torch.zeros(*leading, 0, dtype=dtype, device=device)
        return torch.cat(parts, dim=-1)

    def write(
        self,
        batch: GraphBatch,
        form: str,
        node_out: dict[str, Tensor],
        edge_out: dict[str, Tensor],
        global_out: dict[str, Tensor],
    ) -> dict[str, Tensor]:
        """Outputs in the input's form: flat rows for an edge index, padded dense tensors (zeros off-graph)."""
        if form == EDGE_INDEX:
            kept = batch.graph.user_edge
            result = dict(node_out) | dict(global_out)
            for name, y in edge_out.items():
                gathered = y[kept.clamp_min(0)]
                result[name] = torch.where((kept >= 0)[:, None], gathered, torch.zeros_like(gathered))
            return result
        n, size = batch.padded_n, batch.num_graphs
        result = dict(global_out)
        for name, y in node_out.items():
            dense = y.new_zeros(size * n, y.shape[1])
            dense[batch.dense_slots] = y
            result[name] = dense.reshape(size, n, -1)
        source, target = batch.graph.edge_index
        for name, y in edge_out.items():
            dense = y.new_zeros(size * n, n, y.shape[1])
            dense[batch.dense_slots[source], batch.dense_slots[target] % n] = y
            result[name] = dense.reshape(size, n, n, -1)
        return result
