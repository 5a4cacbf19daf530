"""Graph models from a spec: ``locality ego(k)`` (SPEN), ``locality graph(edges = F)`` (message passing along F's
edges, ``graph_model(spec, "mpnn")``), and the whole-graph 2-IGN baseline. The structure of every form comes from
``symc.locality.build_neighbourhood`` (through ``GraphAssembler``, on inputs read by the field contract).

``build_ego_model`` compiles ``group S(n)`` specs with ``locality ego(k = ..., edges = <per-pair input>)``; fields
are channels of ``T(0)`` per node, per pair or global. ``graph_model`` builds any of the three architectures on the
same inputs for comparisons (benchmarks, expressivity tests). Forward takes the dense field contract (optionally
with a ``mask``) or an edge index; see ``symc.methods.ego.graphs``.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from symc.errors import SymcError
from symc.ir import FieldSpec, Irrep, ModelSpec, MultipleRep, RepExpr, SumRep, TensorRep
from symc.layers.contract import FieldContract
from symc.layers.linear import BasisUse
from symc.layers.model import SymcModule
from symc.layers.summary import LayerSummary, ModelSummary
from symc.locality.egonets import ego_subgraphs, whole_graphs
from symc.methods.ego.graphs import GraphAssembler, GraphBatch
from symc.methods.ego.mpnn import MessagePassingNetwork
from symc.methods.ego.spen import EGO_BUCKETS, OP_FAMILIES, SubgraphNetwork

ARCHITECTURES = ("ego", "complete", "mpnn")
GRAPH_DTYPES = {"float32": torch.float32, "float64": torch.float64}
DEFAULT_GRAPH_HIDDEN = 32
DEFAULT_GRAPH_LAYERS = 3
SUMMARY_SUBGRAPH_SIZE = 10  # sub-graph size at which summary() counts FLOPs by default
ACTIVATIONS = {"relu": nn.ReLU, "silu": nn.SiLU, "tanh": nn.Tanh}


class GraphModel(SymcModule):
    """``forward({name: tensor}) -> {name: tensor}``: a graph network, pointwise readouts and pooling.

    Node outputs are linear maps of the final node states, pair outputs of the final edge states, global outputs
    of the pooled (``readout``: mean, sum or max over each graph's nodes) node states.
    """

    def __init__(
        self,
        spec: ModelSpec,
        graphs: GraphAssembler,
        architecture: str,
        hops: int,
        hidden: int,
        layers: int,
        readout: str,
        activation: nn.Module,
    ) -> None:
        super().__init__()
        if architecture not in ARCHITECTURES:
            raise SymcError(f"unknown graph architecture '{architecture}'", hint=f"use one of {ARCHITECTURES}")
        self.spec, self.graphs = spec, graphs
        self.contract = FieldContract(spec, edges_field=graphs.edges_field, graph_forms=True, min_points=0)
        self.architecture, self.hops, self.readout = architecture, hops, readout
        node_in, edge_in = graphs.width(1) + graphs.width(0), graphs.width(2)
        if architecture == "mpnn":
            self.network: nn.Module = MessagePassingNetwork(node_in, edge_in, hidden, layers, activation)
        else:
            buckets = EGO_BUCKETS if architecture == "ego" else 1
            self.network = SubgraphNetwork(node_in, edge_in, hidden, layers, buckets, architecture == "ego", activation)
        self.heads = nn.ModuleDict({f.name: nn.Linear(hidden, graphs.dims[f.name]) for f in graphs.outputs})

    def summary(self, n: int | None = None) -> ModelSummary:
        """Per layer: the closed-form op families, parameters and FLOPs on one sub-graph of ``n`` nodes (default
        10); readout heads last. A graph's cost is the sum over its sub-graphs (see ``symc.methods.ego.spen``)."""
        size = n or SUMMARY_SUBGRAPH_SIZE
        layers = []
        for i, layer in enumerate(getattr(self.network, "layers", ())):
            uses, flops = [], 0
            for k, l in OP_FAMILIES:
                weight = layer.weights[f"{k}to{l}"]
                ops = weight.shape[1]
                uses.append(BasisUse(f"T({k})", f"T({l})", ops, ops, "closed form"))
                flops += 2 * ops * size**l * weight.shape[2] * weight.shape[3]
            parameters = sum(p.numel() for p in layer.parameters())
            widths = f"{layer.weights['1to1'].shape[3]} node + {layer.weights['2to2'].shape[3]} pair channels"
            hidden = f"{layer.weights['1to1'].shape[2]} node + {layer.weights['2to2'].shape[2]} pair channels"
            layers.append(LayerSummary(f"sub-graph layer {i}", widths, hidden, tuple(uses), parameters, flops))
        for name, head in self.heads.items():
            parameters = sum(p.numel() for p in head.parameters())
            layers.append(
                LayerSummary(
                    f"head {name}",
                    str(head.in_features),
                    str(head.out_features),
                    (),
                    parameters,
                    2 * head.in_features * head.out_features * size,
                )
            )
        return ModelSummary(type(self).__name__ + f" ({self.architecture})", "S(n)", size, tuple(layers))

    def forward(self, inputs: dict[str, Tensor]) -> dict[str, Tensor]:
        read = self.read_inputs(inputs)
        batch = _with_globals_on_nodes(self.graphs.assemble(read))
        if self.architecture == "mpnn":
            nodes, edges = self.network(batch)
        else:
            subgraphs = (
                ego_subgraphs(batch.graph, self.hops)
                if self.architecture == "ego"
                else whole_graphs(batch.graph, batch.batch, batch.num_graphs)
            )
            nodes, edges = self.network(batch, subgraphs)
        by_order: dict[int, dict[str, Tensor]] = {0: {}, 1: {}, 2: {}}
        pooled = _pool(nodes, batch.batch, batch.num_graphs, self.readout)
        states = {0: pooled, 1: nodes, 2: edges}
        for field in self.graphs.outputs:
            by_order[field.order][field.name] = self.heads[field.name](states[field.order])
        return read.restore(self.graphs.write(batch, read.form, by_order[1], by_order[2], by_order[0]))


def _with_globals_on_nodes(batch: GraphBatch) -> GraphBatch:
    """Global inputs broadcast to every node of their graph (an invariant input is a constant node feature)."""
    if batch.globals.shape[1] == 0:
        return batch
    nodes = torch.cat([batch.nodes, batch.globals[batch.batch]], dim=-1)
    return GraphBatch(
        batch.graph, batch.batch, batch.num_graphs, nodes, batch.edges, batch.globals, batch.padded_n, batch.dense_slots
    )


def _pool(nodes: Tensor, graph_of: Tensor, num_graphs: int, how: str) -> Tensor:
    """Per-graph mean, sum or max of ``nodes (N, C)`` -> ``(num_graphs, C)``; an empty graph pools to zeros."""
    total = nodes.new_zeros(num_graphs, nodes.shape[1])
    if how == "max":
        return total.scatter_reduce(0, graph_of[:, None].expand_as(nodes), nodes, "amax", include_self=False)
    total.index_add_(0, graph_of, nodes)
    if how == "sum":
        return total
    count = torch.bincount(graph_of, minlength=num_graphs).clamp_min(1)
    return total / count[:, None].to(total.dtype)


def scalar_channels(rep: RepExpr, field: FieldSpec) -> int:
    """Channels of a field built from scalars (``T(0)``, ``0e``); anything else is refused for graph models."""
    if (isinstance(rep, TensorRep) and rep.k == rep.l == 0) or rep == Irrep(0, 1):
        return 1
    if isinstance(rep, MultipleRep):
        return rep.mult * scalar_channels(rep.base, field)
    if isinstance(rep, SumRep):
        return sum(scalar_channels(t, field) for t in rep.terms)
    raise SymcError(
        f"field '{field.name}' is {rep}: graph localities (ego) take channels of scalars per node, pair or graph",
        field.loc,
        "write e.g. `4xT(0) per node`; geometric fields need another method",
    )


def graph_model(
    spec: ModelSpec, architecture: str, *, hops: int = 1, hidden: int | None = None, layers: int | None = None
) -> GraphModel:
    """A ``GraphModel`` on ``spec``'s fields with any architecture (``ego`` needs ``hops``)."""
    permutation = spec.group.permutation_factor
    if permutation is None or len(spec.group.factors) != 1:
        raise SymcError(f"graph localities need the group S(n) alone, got {spec.group}", spec.loc, "write `group S(n)`")
    dims = {f.name: scalar_channels(f.rep, f) for f in spec.inputs + spec.outputs}
    edges_field = spec.locality.get("edges")
    graphs = GraphAssembler(spec.inputs, spec.outputs, dims, None if edges_field is None else str(edges_field))
    arch = spec.architecture
    width = hidden or _hidden_width(arch.hidden, spec) or DEFAULT_GRAPH_HIDDEN
    depth = layers if layers is not None else (arch.layers if arch.layers is not None else DEFAULT_GRAPH_LAYERS)
    if depth < 1:
        raise SymcError("graph models need at least one layer", spec.loc, "write e.g. `layers 2`")
    nonlinearity = arch.nonlinearity or "relu"
    if nonlinearity not in ACTIVATIONS:
        raise SymcError(
            f"nonlinearity '{nonlinearity}' is not available for graph models",
            spec.loc,
            f"use one of {', '.join(ACTIVATIONS)} (pointwise maps keep permutation equivariance)",
        )
    model = GraphModel(
        spec, graphs, architecture, hops, width, depth, arch.readout or "mean", ACTIVATIONS[nonlinearity]()
    )
    return model.to(GRAPH_DTYPES[arch.dtype or "float32"])


def _hidden_width(hidden: RepExpr | int | None, spec: ModelSpec) -> int | None:
    if hidden is None or isinstance(hidden, int):
        return hidden
    return scalar_channels(hidden, FieldSpec("hidden", hidden, 0, spec.loc))


def build_ego_model(spec: ModelSpec, backbone: nn.Module | None = None) -> GraphModel:
    """Compile a ``locality ego(k)`` spec (method basis) into a SPEN ``GraphModel``."""
    # build_model refuses a backbone module; the frontend made k an integer >= 1.
    return graph_model(spec, "ego", hops=int(spec.locality.get("k")))
