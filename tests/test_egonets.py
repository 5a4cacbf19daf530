"""Batched ego-net extraction against networkx, plus the graph clean-up it relies on."""

from __future__ import annotations

import networkx as nx
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from symc.errors import SymcError
from symc.locality.egonets import coalesce_undirected, ego_subgraphs, whole_graphs
from symc.locality.neighbourhood import check_edge_list


def edge_index_of(graph: nx.Graph) -> torch.Tensor:
    return torch.tensor(list(graph.edges), dtype=torch.long).reshape(-1, 2).T


def assert_matches_networkx(graph: nx.Graph, hops: int) -> None:
    n = graph.number_of_nodes()
    subgraphs = ego_subgraphs(coalesce_undirected(edge_index_of(graph), n), hops)
    assert subgraphs.sizes.tolist() == [nx.ego_graph(graph, c, radius=hops).number_of_nodes() for c in range(n)]
    for center in range(n):
        reference = nx.ego_graph(graph, center, radius=hops)
        members = subgraphs.node[subgraphs.owner == center]
        assert members.tolist() == sorted(reference.nodes)
        assert members[subgraphs.center_local[center]].item() == center
        mine = subgraphs.edge_owner == center
        found = set(
            zip(
                members[subgraphs.edge_source[mine]].tolist(),
                members[subgraphs.edge_target[mine]].tolist(),
                strict=True,
            )
        )
        assert found == set(reference.edges) | {(v, u) for u, v in reference.edges}


@settings(max_examples=15, deadline=None)
@given(
    n=st.integers(1, 25),
    density=st.floats(0.0, 0.4),
    hops=st.integers(0, 3),
    seed=st.integers(0, 10_000),
)
def test_ego_nets_match_networkx(n: int, density: float, hops: int, seed: int) -> None:
    assert_matches_networkx(nx.gnp_random_graph(n, density, seed=seed), hops)


@pytest.mark.parametrize(
    "graph", [nx.path_graph(7), nx.cycle_graph(6), nx.star_graph(5), nx.complete_graph(5), nx.empty_graph(3)]
)
def test_ego_nets_of_standard_graphs(graph: nx.Graph) -> None:
    for hops in (1, 2):
        assert_matches_networkx(graph, hops)


def test_edge_ids_point_at_the_coalesced_edges() -> None:
    graph = coalesce_undirected(edge_index_of(nx.cycle_graph(5)), 5)
    subgraphs = ego_subgraphs(graph, 1)
    members = [subgraphs.node[subgraphs.owner == c] for c in range(5)]
    source = torch.stack([members[o][s] for o, s in zip(subgraphs.edge_owner, subgraphs.edge_source, strict=True)])
    assert torch.equal(graph.edge_index[0, subgraphs.edge_id], source)


def test_coalescing_drops_self_loops_merges_duplicates_and_symmetrises() -> None:
    edge_index = torch.tensor([[0, 1, 0, 2, 2], [1, 0, 1, 2, 3]])
    graph = coalesce_undirected(edge_index, 4)
    assert graph.edge_index.tolist() == [[0, 1, 2, 3], [1, 0, 3, 2]]
    assert graph.rowptr.tolist() == [0, 1, 2, 3, 4]
    assert graph.user_edge.tolist() == [0, 1, 0, -1, 2]
    assert graph.reverse_of_user.tolist() == [1, 0, 1, -1, 3]


def test_zero_and_one_node_graphs() -> None:
    empty = ego_subgraphs(coalesce_undirected(torch.zeros(2, 0, dtype=torch.long), 0), 2)
    assert empty.sizes.numel() == 0 and empty.node.numel() == 0
    single = ego_subgraphs(coalesce_undirected(torch.tensor([[0], [0]]), 1), 2)
    assert single.sizes.tolist() == [1] and single.edge_id.numel() == 0


def test_whole_graphs_follow_the_batch_vector() -> None:
    edge_index = torch.tensor([[0, 1, 3], [1, 2, 4]])
    batch = torch.tensor([1, 1, 1, 0, 0])
    subgraphs = whole_graphs(coalesce_undirected(edge_index, 5), batch, 3)
    assert subgraphs.sizes.tolist() == [2, 3, 0]
    assert subgraphs.node.tolist() == [3, 4, 0, 1, 2]
    assert subgraphs.center_local.tolist() == [-1, -1, -1]
    assert subgraphs.edge_id.numel() == 6


@pytest.mark.parametrize(
    ("edge_index", "fragment"),
    [
        (torch.tensor([[0, 5], [1, 1]]), "out of range"),
        (torch.tensor([[0, -1], [1, 1]]), "negative"),
        (torch.tensor([[0.0, 1.0], [1.0, 0.0]]), "integer"),
        (torch.tensor([[0, 1, 2]]), "shape"),
    ],
)
def test_bad_edge_indices_are_refused(edge_index: torch.Tensor, fragment: str) -> None:
    with pytest.raises(SymcError, match=fragment):
        check_edge_list(edge_index, 3)


def test_negative_hops_are_refused() -> None:
    with pytest.raises(SymcError, match="hops"):
        ego_subgraphs(coalesce_undirected(torch.tensor([[0], [1]]), 2), -1)
