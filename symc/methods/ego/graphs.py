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
dense form every per-pair field is read on the graph's edges only. Zero-node graphs are allowed (global outputs
are then the readout of an empty set: zeros before the last linear map).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from symc.errors import SymcError
from symc.ir import FieldSpec, LocalitySpec
from symc.locality.egonets import UndirectedGraph, coalesce_undirected
from symc.locality.neighbourhood import EdgeListError, Neighbourhood, build_neighbourhood, check_edge_list

MASK_KEY, EDGE_INDEX_KEY, BATCH_KEY = "mask", "edge_index", "batch"
FORMS = ("edge_index", "dense", "dense_unbatched")  # how the inputs came, so outputs go back the same way


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


class GraphCodec:
    """Reads either input form into a ``GraphBatch`` and writes outputs back in the same form."""

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

    def read(self, values: dict[str, Tensor], dtype: torch.dtype) -> tuple[GraphBatch, str]:
        """(the graph batch, its form: one of ``FORMS``). Raises ``SymcError`` on bad inputs."""
        expected = {f.name for f in self.inputs}
        missing = expected - set(values)
        if missing:
            raise SymcError(
                f"missing input field(s): {', '.join(sorted(missing))}",
                hint=f"the model takes {', '.join(sorted(expected))}",
            )
        for field in self.inputs:
            if values[field.name].dtype != dtype:
                raise SymcError(
                    f"input '{field.name}' has dtype {values[field.name].dtype}, the model {dtype}",
                    hint="cast the inputs or the model (model.to(dtype))",
                )
        if EDGE_INDEX_KEY in values:
            return self._read_edge_index(values, dtype), "edge_index"
        set_fields = [f for f in self.inputs if f.order > 0]
        if not set_fields:
            raise SymcError("a graph model needs a per-node or per-pair input (or an edge_index)")
        field = set_fields[0]
        if values[field.name].dim() == field.order + 1:
            return self._read_dense({k: v.unsqueeze(0) for k, v in values.items()}, dtype), "dense_unbatched"
        return self._read_dense(values, dtype), "dense"

    def _read_edge_index(self, values: dict[str, Tensor], dtype: torch.dtype) -> GraphBatch:
        node_fields = [f for f in self.inputs if f.order == 1]
        num_nodes = self._node_count(values, node_fields)
        batch = values.get(BATCH_KEY)
        if batch is None:
            batch = torch.zeros(num_nodes, dtype=torch.long, device=values[EDGE_INDEX_KEY].device)
        elif batch.dim() != 1 or batch.shape[0] != num_nodes or batch.is_floating_point():
            raise SymcError(
                f"'batch' must be an integer vector of length {num_nodes} (one graph id per node), "
                f"got shape {tuple(batch.shape)} dtype {batch.dtype}"
            )
        elif num_nodes and int(batch.min()) < 0:
            raise SymcError("'batch' holds a negative graph id", hint="graph ids count from 0")
        num_graphs = int(batch.max()) + 1 if num_nodes else 0
        globals_ = self._globals(values, num_graphs, dtype)
        edge_index = values[EDGE_INDEX_KEY]
        what = "edge_index" if self.edges_field is None else f"edges field '{self.edges_field}' (its 'edge_index')"
        check_edge_list(edge_index, num_nodes, what)
        if num_nodes and bool((batch[edge_index[0]] != batch[edge_index[1]]).any()):
            raise EdgeListError(
                f"{what}: an edge joins nodes of two different graphs of the batch",
                hint="edge_index and batch disagree",
            )
        graph = coalesce_undirected(edge_index, num_nodes)
        nodes = self._concat(values, node_fields, (num_nodes,), dtype)
        pair_fields = [f for f in self.inputs if f.order == 2]
        user = self._concat(values, pair_fields, (edge_index.shape[1],), dtype)
        edges = Neighbourhood(graph.edge_index, batch, num_nodes, num_graphs, _user_edges=graph.user_edge).gather_pairs(
            user
        )
        return GraphBatch(graph, batch.long(), num_graphs, nodes, edges, globals_, None, None)

    def _node_count(self, values: dict[str, Tensor], node_fields: list[FieldSpec]) -> int:
        if node_fields:
            return values[node_fields[0].name].shape[0]
        if BATCH_KEY in values:
            return values[BATCH_KEY].shape[0]
        raise SymcError("with an edge index and no per-node input, pass 'batch' to give the number of nodes")

    def _read_dense(self, values: dict[str, Tensor], dtype: torch.dtype) -> GraphBatch:
        first = values[next(f for f in self.inputs if f.order > 0).name]
        batch_size, n = first.shape[0], first.shape[1]
        globals_ = self._globals(values, batch_size, dtype)
        real = values.get(MASK_KEY)
        if real is None:
            real = torch.ones(batch_size, n, dtype=torch.bool, device=first.device)
        elif real.shape != (batch_size, n) or real.dtype != torch.bool:
            raise SymcError(
                f"'mask' must be a bool tensor of shape {(batch_size, n)}, got {tuple(real.shape)} {real.dtype}"
            )
        nodes = self._concat(values, [f for f in self.inputs if f.order == 1], (batch_size, n), dtype)
        pairs = self._concat(values, [f for f in self.inputs if f.order == 2], (batch_size, n, n), dtype)
        nb = build_neighbourhood(self._locality(), None, values, shape=(batch_size, n), mask=real)
        slots = nb.slots if nb.slots is not None else torch.arange(batch_size * n, device=first.device)
        graph, batch = nb.graph, nb.batch
        edges = nb.gather_pairs(pairs)
        return GraphBatch(
            graph, batch, batch_size, nodes.reshape(batch_size * n, nodes.shape[-1])[slots], edges, globals_, n, slots
        )

    def _globals(self, values: dict[str, Tensor], num_graphs: int, dtype: torch.dtype) -> Tensor:
        return self._concat(values, [f for f in self.inputs if f.order == 0], (num_graphs,), dtype)

    def _concat(
        self, values: dict[str, Tensor], fields: list[FieldSpec], leading: tuple[int, ...], dtype: torch.dtype
    ) -> Tensor:
        """Concatenate ``fields`` along channels after checking each has shape ``leading + (dim,)``."""
        parts = []
        for field in fields:
            x = values[field.name]
            expected = (*leading, self.dims[field.name])
            if tuple(x.shape) != expected:
                raise SymcError(
                    f"input '{field.name}' has shape {tuple(x.shape)}, expected {expected}",
                    field.loc,
                    "per-pair fields must be square (batch, n, n, d) and every field must agree on n"
                    if field.order == 2
                    else "every field must agree on the batch and the number of nodes",
                )
            parts.append(x)
        if not parts:
            device = next(iter(values.values())).device
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
        if form == "edge_index":
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
        return {k: v.squeeze(0) for k, v in result.items()} if form == "dense_unbatched" else result
