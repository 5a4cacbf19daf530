"""``locality graph(edges = ...)``: one neighbour builder for every locality, and message passing along a given
graph for method basis (S(n) message passing), attributes and tensor_product.

Asserts: every supported method builds and is equivariant in float64 (``assert_equivariant`` with dense random
pair fields, and a hypothesis property on sparse adjacencies permuted with the nodes); messages never cross a
non-edge; the builder's complete/knn/radius edges equal brute force and the cell-list graphs; an integer edge list
gives the dense adjacency's outputs; malformed edge lists raise a ``ValueError`` naming the field.
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import symc
from symc.errors import SymcError
from symc.ir import LocalitySpec
from symc.locality import EdgeListError, build_neighbourhood
from symc.locality.neighbours import knn_graph, radius_graph
from symc.testing import assert_equivariant
from symc.testing.equivariance import equivariance_error
from symc.testing.strategies import concrete_group, group_elements, random_inputs

SPECS = {
    "basis": """model G { group S(n)
  input bonds: 2xT(0) per pair, x: 3xT(0) per node
  output y: 2xT(0) per node, e: T(0) per pair, g: T(0) global
  locality graph(edges = bonds); method basis; hidden 8; layers LAYERS; dtype float64 }""",
    "attributes": """model A { group E(3) x S(n)
  input pos: point per point, x: 3x0e per point, bonds: 2x0e per pair
  output y: 2x0e per point, v: 1o per point, e: 0e global
  locality graph(edges = bonds); method attributes; hidden 8; layers LAYERS; dtype float64 }""",
    "tensor_product": """model T { group E(3) x S(n)
  input pos: point per point, x: 3x0e + 1o per point, bonds: 2x0e per pair
  output y: 2x0e + 1o per point, e: 0e global
  locality graph(edges = bonds); method tensor_product(lmax = 1, impl = cg); hidden 4; layers LAYERS
  dtype float64 }""",
}
METHODS = tuple(SPECS)


def _spec(method: str, layers: int = 2):
    return symc.parse(SPECS[method].replace("LAYERS", str(layers)))


def _model(method: str, layers: int = 2, seed: int = 0):
    torch.manual_seed(seed)
    return symc.build(_spec(method, layers))


def _sparse(inputs: dict, seed: int, density: float = 0.4) -> dict:
    """The same inputs with a random symmetric sparse adjacency: bonds keep their values only on the edges."""
    bonds = inputs["bonds"]
    g = torch.Generator().manual_seed(seed)
    b, n = bonds.shape[:2]
    keep = torch.rand(b, n, n, generator=g) < density
    keep = (keep | keep.transpose(1, 2)) & ~torch.eye(n, dtype=torch.bool)
    return inputs | {"bonds": bonds * keep[..., None].to(bonds.dtype)}


@pytest.mark.parametrize("method", METHODS)
def test_graph_locality_builds_and_is_equivariant(method):
    spec = _spec(method)
    assert spec.locality.kind == "graph"
    assert_equivariant(_model(method), spec, trials=8)


@pytest.mark.parametrize("method", METHODS)
@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**16), n=st.integers(2, 7), data=st.data())
def test_equivariant_on_sparse_graphs_permuted_with_the_nodes(method, seed, n, data):
    spec = _spec(method)
    model = _model(method)
    group = concrete_group(spec.group, n)
    g = data.draw(group_elements(group, 2))
    inputs = _sparse(random_inputs(spec, seed, n=n, batch=2), seed)
    difference, scale = equivariance_error(model, spec, group, g, inputs)
    assert difference <= 1e-9 * scale + 1e-12


@pytest.mark.parametrize("method", METHODS)
def test_messages_do_not_cross_non_edges(method):
    """Path 0–1–2, nodes 3 and 4 isolated; one layer: a node hears only itself and its neighbours."""
    spec = _spec(method, layers=1)
    model = _model(method, layers=1)
    inputs = random_inputs(spec, 3, n=5, batch=1)
    adjacency = torch.zeros(1, 5, 5, 1, dtype=torch.float64)
    for a, b in ((0, 1), (1, 2)):
        adjacency[0, a, b] = adjacency[0, b, a] = 1.0
    inputs["bonds"] = inputs["bonds"] * adjacency
    base = model(inputs)["y"]
    for changed, unaffected, affected in ((4, [0, 1, 2, 3], [4]), (2, [0, 3, 4], [1, 2]), (0, [2, 3, 4], [0, 1])):
        moved = dict(inputs)
        moved["x"] = inputs["x"].clone()
        moved["x"][0, changed] += 1.5
        out = model(moved)["y"]
        torch.testing.assert_close(out[0, unaffected], base[0, unaffected], rtol=0, atol=1e-12)
        assert (out[0, affected] - base[0, affected]).abs().max() > 1e-8


@pytest.mark.parametrize("method", ["attributes", "tensor_product"])
def test_an_integer_edge_list_equals_the_dense_adjacency(method):
    spec = symc.parse(SPECS[method].replace("LAYERS", "2").replace("bonds: 2x0e", "bonds: 0e"))
    torch.manual_seed(0)
    model = symc.build(spec)
    inputs = random_inputs(spec, 5, n=4, batch=2)
    edges = torch.tensor([[0, 1, 2, 5, 6], [1, 2, 3, 6, 7]])  # flat nodes b·n + i; one direction suffices
    dense = torch.zeros(2, 4, 4, 1, dtype=torch.float64)
    for s, t in edges.T.tolist():
        dense[s // 4, s % 4, t % 4] = dense[s // 4, t % 4, s % 4] = 1.0
    as_list, as_dense = model(inputs | {"bonds": edges}), model(inputs | {"bonds": dense})
    for name in as_dense:
        torch.testing.assert_close(as_list[name], as_dense[name])


@pytest.mark.parametrize("method", ["attributes", "tensor_product"])
@pytest.mark.parametrize(
    ("edges", "fragment"),
    [
        (torch.tensor([[0, 1], [1, 12]]), "out of range"),
        (torch.tensor([[0, -1], [1, 2]]), "negative"),
        (torch.tensor([[0, 1, 2]]), r"shape \(2, E\)"),
        (torch.zeros(2, 5, 5, 2, dtype=torch.float64)[..., :1].squeeze(-1), "shape"),
    ],
)
def test_bad_edge_lists_name_the_field(method, edges, fragment):
    spec = _spec(method)
    inputs = random_inputs(spec, 1, n=5, batch=2) | {"bonds": edges}
    with pytest.raises(ValueError, match=f"bonds.*{fragment}|{fragment}.*bonds") as info:
        _model(method)(inputs)
    assert isinstance(info.value, SymcError)


def test_a_float_edge_index_is_refused_naming_the_field():
    spec = _spec("basis")
    model = _model("basis")
    inputs = {"x": torch.randn(5, 3, dtype=torch.float64), "bonds": torch.ones(2, 2, dtype=torch.float64)}
    with pytest.raises(EdgeListError, match=r"bonds.*integer"):
        model(inputs | {"edge_index": torch.tensor([[0.0, 1.0], [1.0, 2.0]])})
    assert spec.locality.get("edges") == "bonds"


def _brute(pos: torch.Tensor, keep) -> set[tuple[int, int]]:
    b, n, _ = pos.shape
    found = set()
    for c in range(b):
        sq = (pos[c, :, None] - pos[c, None]).pow(2).sum(-1)
        found |= {(c * n + j, c * n + i) for i in range(n) for j in range(n) if i != j and keep(sq, i, j)}
    return found


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), b=st.integers(1, 3), n=st.integers(1, 12), r=st.floats(0.1, 2.0))
def test_builder_radius_and_complete_match_brute_force(seed, b, n, r):
    pos = torch.rand(b, n, 3, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) * 2
    radius = build_neighbourhood(LocalitySpec("radius", (("r", r),)), pos)
    assert set(map(tuple, radius.edge_index.T.tolist())) == _brute(pos, lambda sq, i, j: sq[i, j] <= r * r)
    flat_batch = torch.arange(b).repeat_interleave(n)
    assert torch.equal(radius.edge_index, radius_graph(pos.reshape(-1, 3), r, flat_batch))
    complete = build_neighbourhood(LocalitySpec("complete"), pos)
    assert set(map(tuple, complete.edge_index.T.tolist())) == _brute(pos, lambda sq, i, j: True)
    assert torch.equal(complete.batch, flat_batch) and complete.num_nodes == b * n


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), b=st.integers(1, 3), n=st.integers(1, 12), k=st.integers(1, 6))
def test_builder_knn_matches_knn_graph_and_the_padded_slots(seed, b, n, k):
    pos = torch.rand(b, n, 2, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    nb = build_neighbourhood(LocalitySpec("knn", (("k", k),)), pos)
    reference = knn_graph(pos.reshape(-1, 2), k, torch.arange(b).repeat_interleave(n))
    assert torch.equal(nb.edge_index, reference)
    index, valid = nb.padded(b, n)
    assert valid is None and index.shape == (b, n, min(k, n - 1))


def test_graph_edges_and_features_follow_the_dense_field():
    bonds = torch.zeros(1, 4, 4, 2, dtype=torch.float64)
    bonds[0, 0, 1] = torch.tensor([1.0, 0.0])
    bonds[0, 2, 3] = torch.tensor([0.0, 2.0])  # any non-zero channel makes an edge
    bonds[0, 3, 3] = 5.0  # self-loops are dropped
    nb = build_neighbourhood(LocalitySpec("graph", (("edges", "bonds"),)), None, {"bonds": bonds})
    assert set(map(tuple, nb.edge_index.T.tolist())) == {(0, 1), (1, 0), (2, 3), (3, 2)}
    rows = {tuple(e): f.tolist() for e, f in zip(nb.edge_index.T.tolist(), nb.edge_features, strict=True)}
    assert rows[(0, 1)] == [1.0, 0.0] and rows[(1, 0)] == [0.0, 0.0] and rows[(2, 3)] == [0.0, 2.0]


def test_frames_refuses_graph_locality_in_the_frontend():
    with pytest.raises(SymcError, match="locality"):
        symc.parse(
            """model F { group E(3) x S(n); input pos: point, bonds: T(0) per pair; output y: T(0) global
            locality graph(edges = bonds); method frames(backbone = gnn) }"""
        )


@pytest.mark.parametrize("method", ["attributes", "tensor_product"])
def test_a_geometric_edges_field_is_refused(method):
    with pytest.raises(SymcError, match=r"bonds.*scalars") as refused:
        symc.parse(SPECS[method].replace("LAYERS", "1").replace("bonds: 2x0e", "bonds: 1o"))
    assert refused.value.location is not None


@pytest.mark.parametrize(("kind", "k", "r"), [("knn", 3, None), ("radius", None, 0.6), ("complete", None, None)])
def test_frames_gnn_slots_are_the_builder_edges(kind, k, r):
    from symc.methods.frames.backbones import MessagePassing

    pos = torch.rand(3, 9, 3, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    graph = MessagePassing(1, 0, 1, 0, 4, 1, kind, k, r).neighbours(pos)
    valid = torch.ones_like(graph.index, dtype=torch.bool) if graph.valid is None else graph.valid
    found = {(b * 9 + int(j), b * 9 + i) for b, i, m in valid.nonzero().tolist() for j in [graph.index[b, i, m]]}
    sq = (pos[:, :, None] - pos[:, None]).pow(2).sum(-1)
    if kind == "knn":
        sq = sq + torch.diag_embed(torch.full((3, 9), torch.inf, dtype=torch.float64))
        expected = {(b * 9 + j, b * 9 + i) for b in range(3) for i in range(9) for j in sq[b, i].argsort()[:k].tolist()}
    else:
        expected = _brute(pos, (lambda sq, i, j: sq[i, j] <= r * r) if r else (lambda sq, i, j: True))
    assert found == expected
