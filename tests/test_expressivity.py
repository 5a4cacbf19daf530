"""Sub-graph networks see more than 1-WL: ego(k) separates graph pairs message passing cannot.

Pairs (each 1-WL-equivalent, non-isomorphic, checked with networkx's WL hash):
- two triangles vs the 6-cycle (2-regular on 6 nodes), separated by ego(1);
- the triangular prism vs K(3,3) (3-regular on 6 nodes), separated by ego(1);
- decalin vs bicyclopentyl (two fused 6-rings vs two bridged 5-rings), separated by ego(2).
Message passing (and the global 2-IGN, bounded by 2-WL = 1-WL) gives them identical outputs, whatever its
weights; every model gives identical outputs on an isomorphic relabelling.
"""

from __future__ import annotations

import networkx as nx
import pytest
import torch

import symc
from symc.methods.ego.model import graph_model

SPEC = symc.parse(
    """
model Readout {
  group S(n)
  input adjacency: T(0) per pair, features: T(0) per node
  output value: 4xT(0) global
  locality ego(k = 1, edges = adjacency)
  method basis
  hidden 8
  layers 2
  readout sum
  dtype float64
}
"""
)

DECALIN = [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 0), (5, 6), (6, 7), (7, 8), (8, 9), (9, 0)]
BICYCLOPENTYL = [(0, 1), (1, 2), (2, 3), (3, 4), (4, 0), (5, 6), (6, 7), (7, 8), (8, 9), (9, 5), (0, 5)]
PAIRS = {
    "triangles-vs-hexagon": (nx.disjoint_union(nx.cycle_graph(3), nx.cycle_graph(3)), nx.cycle_graph(6), 1),
    "prism-vs-K33": (nx.circular_ladder_graph(3), nx.complete_bipartite_graph(3, 3), 1),
    "decalin-vs-bicyclopentyl": (nx.Graph(DECALIN), nx.Graph(BICYCLOPENTYL), 2),
}


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Small graphs, many small ops: OpenMP hand-offs would dominate on a loaded two-core machine."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def inputs_of(graph: nx.Graph, perm: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
    """Unlabelled graph (constant node and edge features) as an edge index, nodes renamed by ``perm``."""
    edges = torch.tensor(list(graph.edges), dtype=torch.long).T
    edge_index = torch.cat([edges, edges.flip(0)], dim=1)
    if perm is not None:
        edge_index = perm[edge_index]
    n = graph.number_of_nodes()
    return {
        "edge_index": edge_index,
        "adjacency": torch.ones(edge_index.shape[1], 1, dtype=torch.float64),
        "features": torch.ones(n, 1, dtype=torch.float64),
    }


def value(model, graph: nx.Graph, perm: torch.Tensor | None = None) -> torch.Tensor:
    return model(inputs_of(graph, perm))["value"][0]


@pytest.mark.filterwarnings("ignore:The hashes produced")
@pytest.mark.parametrize("name", PAIRS)
def test_the_pair_is_1wl_equivalent_and_not_isomorphic(name: str) -> None:
    first, second, _ = PAIRS[name]
    assert nx.weisfeiler_lehman_graph_hash(first, iterations=6) == nx.weisfeiler_lehman_graph_hash(second, iterations=6)
    assert not nx.is_isomorphic(first, second)


@pytest.mark.parametrize("name", PAIRS)
@pytest.mark.parametrize("seed", [0, 1])
def test_ego_model_separates_what_message_passing_cannot(name: str, seed: int) -> None:
    first, second, hops = PAIRS[name]
    torch.manual_seed(seed)
    ego = graph_model(SPEC, "ego", hops=hops)
    gap = (value(ego, first) - value(ego, second)).abs().max().item()
    assert gap > 1e-6 * value(ego, first).abs().max().item()
    for architecture in ("mpnn", "complete"):
        torch.manual_seed(seed)
        baseline = graph_model(SPEC, architecture)
        assert torch.allclose(value(baseline, first), value(baseline, second), rtol=1e-10, atol=1e-12), architecture


@pytest.mark.parametrize("name", PAIRS)
def test_isomorphic_relabelling_gives_identical_outputs(name: str) -> None:
    first, _, hops = PAIRS[name]
    torch.manual_seed(3)
    ego = graph_model(SPEC, "ego", hops=hops)
    perm = torch.randperm(first.number_of_nodes(), generator=torch.Generator().manual_seed(5))
    assert torch.allclose(value(ego, first), value(ego, first, perm), rtol=1e-12, atol=1e-13)


def test_the_compiled_spec_is_an_ego1_model() -> None:
    model = symc.build(SPEC)
    first, second, _ = PAIRS["triangles-vs-hexagon"]
    assert model.architecture == "ego" and model.hops == 1
    assert (value(model, first) - value(model, second)).abs().max().item() > 1e-6
