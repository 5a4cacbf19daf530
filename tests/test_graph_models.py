"""SPEN ego(k), whole-graph 2-IGN and message-passing models: exact permutation equivariance and bad inputs."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest
import torch

import symc
from symc.api import with_dtype
from symc.errors import SymcError
from symc.methods.ego.model import graph_model

SPECS = Path(__file__).resolve().parent.parent / "specs"
GRAPH_SPEC = """
model G {{
  group S(n)
  input adjacency: T(0) per pair, features: 3xT(0) per node, context: T(0) global
  output node_out: 2xT(0) per node, edge_out: T(0) per pair, graph_out: 2xT(0) global
  locality {locality}
  method basis
  hidden 6
  layers 2
  dtype float64
}}
"""


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """These models run many small ops; on a loaded two-core machine OpenMP hand-offs dominate them."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def spec_with(locality: str = "ego(k = 2, edges = adjacency)"):
    return symc.parse(GRAPH_SPEC.format(locality=locality))


def make_model(architecture: str, hops: int = 2):
    torch.manual_seed(0)
    return graph_model(spec_with(), architecture, hops=hops)


def random_batch(sizes: list[int], seed: int) -> dict[str, torch.Tensor]:
    """Edge-index inputs: random graphs of the given sizes (avg degree ~3), one batch vector."""
    generator = torch.Generator().manual_seed(seed)
    edges, offset = [], 0
    for graph_id, size in enumerate(sizes):
        graph = nx.gnm_random_graph(size, min(size * (size - 1) // 2, int(1.5 * size)), seed=seed + graph_id)
        edges += [(u + offset, v + offset) for u, v in graph.edges] + [(v + offset, u + offset) for u, v in graph.edges]
        offset += size
    edge_index = torch.tensor(edges, dtype=torch.long).reshape(-1, 2).T
    batch = torch.repeat_interleave(torch.arange(len(sizes)), torch.tensor(sizes))
    return {
        "edge_index": edge_index,
        "batch": batch,
        "adjacency": torch.rand(edge_index.shape[1], 1, generator=generator, dtype=torch.float64) + 0.5,
        "features": torch.randn(offset, 3, generator=generator, dtype=torch.float64),
        "context": torch.randn(len(sizes), 1, generator=generator, dtype=torch.float64),
    }


def relabel(inputs: dict[str, torch.Tensor], perm: torch.Tensor, edge_order: torch.Tensor) -> dict[str, torch.Tensor]:
    """Node i becomes node perm[i]; edge columns are shuffled by ``edge_order``."""
    inverse = torch.argsort(perm)
    return {
        "edge_index": perm[inputs["edge_index"]][:, edge_order],
        "batch": inputs["batch"][inverse],
        "adjacency": inputs["adjacency"][edge_order],
        "features": inputs["features"][inverse],
        "context": inputs["context"],
    }


def assert_close(a: torch.Tensor, b: torch.Tensor) -> None:
    assert a.shape == b.shape
    assert (a - b).abs().max().item() <= 1e-10 * max(1.0, a.abs().max().item())


@pytest.mark.parametrize("architecture", ["ego", "complete", "mpnn"])
def test_outputs_follow_a_random_relabelling(architecture: str) -> None:
    model = make_model(architecture)
    inputs = random_batch([7, 1, 12, 5], seed=3)
    generator = torch.Generator().manual_seed(11)
    perm = torch.randperm(inputs["features"].shape[0], generator=generator)
    edge_order = torch.randperm(inputs["edge_index"].shape[1], generator=generator)
    out, moved = model(inputs), model(relabel(inputs, perm, edge_order))
    assert_close(moved["node_out"], out["node_out"][torch.argsort(perm)])
    assert_close(moved["edge_out"], out["edge_out"][edge_order])
    assert_close(moved["graph_out"], out["graph_out"])
    assert out["graph_out"].shape == (4, 2) and out["node_out"].shape == (25, 2)


def test_dense_padded_input_agrees_with_the_edge_index() -> None:
    model = make_model("ego")
    inputs = random_batch([4, 6], seed=5)
    n, sizes = 6, [4, 6]
    adjacency = torch.zeros(2, n, n, 1, dtype=torch.float64)
    features = torch.zeros(2, n, 3, dtype=torch.float64)
    mask = torch.zeros(2, n, dtype=torch.bool)
    slot = torch.cat([torch.arange(4), n + torch.arange(6)])
    source, target = slot[inputs["edge_index"]]
    adjacency.view(2 * n, n, 1)[source, target % n] = inputs["adjacency"]
    features.view(2 * n, 3)[slot] = inputs["features"]
    mask.view(-1)[slot] = True
    dense = model({"adjacency": adjacency, "features": features, "context": inputs["context"], "mask": mask})
    flat = model(inputs)
    assert_close(dense["node_out"].reshape(2 * n, 2)[slot], flat["node_out"])
    assert_close(dense["graph_out"], flat["graph_out"])
    assert_close(dense["edge_out"].reshape(2 * n, n)[source, target % n], flat["edge_out"][:, 0])
    assert dense["node_out"][0, sizes[0] :].abs().max() == 0


@pytest.mark.parametrize("path", ["spen_ego2.sym", "ego_subgraphs.sym"])
def test_example_specs_pass_the_property_test(path: str) -> None:
    spec = symc.load(SPECS / path)
    model = symc.build(with_dtype(spec, "float64"))
    assert symc.testing.assert_equivariant(model, spec, trials=3, n=6).passed


def test_unbatched_dense_sample() -> None:
    model = make_model("ego")
    x = {
        "adjacency": torch.ones(5, 5, 1, dtype=torch.float64),
        "features": torch.randn(5, 3, dtype=torch.float64),
        "context": torch.zeros(1, dtype=torch.float64),
    }
    out = model(x)
    assert out["node_out"].shape == (5, 2) and out["graph_out"].shape == (2,) and out["edge_out"].shape == (5, 5, 1)


def test_an_empty_batch_is_refused_and_one_node_graphs_work() -> None:
    model = make_model("ego")
    empty = {
        "edge_index": torch.zeros(2, 0, dtype=torch.long),
        "batch": torch.zeros(0, dtype=torch.long),
        "adjacency": torch.zeros(0, 1, dtype=torch.float64),
        "features": torch.zeros(0, 3, dtype=torch.float64),
        "context": torch.zeros(0, 1, dtype=torch.float64),
    }
    with pytest.raises(SymcError, match="a batch of 0 graphs"):
        model(empty)
    single = model(random_batch([1], seed=0))
    assert single["node_out"].shape == (1, 2) and torch.isfinite(single["graph_out"]).all()


def test_self_loops_are_ignored_and_duplicates_sum() -> None:
    model = make_model("ego")
    base = random_batch([5], seed=2)
    loops = dict(base)
    loops["edge_index"] = torch.cat([base["edge_index"], torch.tensor([[0, 3], [0, 3]])], dim=1)
    loops["adjacency"] = torch.cat([base["adjacency"], torch.ones(2, 1, dtype=torch.float64)])
    out, with_loops = model(base), model(loops)
    assert_close(with_loops["node_out"], out["node_out"])
    assert with_loops["edge_out"][-2:].abs().max() == 0
    doubled = dict(base)
    doubled["edge_index"] = torch.cat([base["edge_index"], base["edge_index"][:, :1]], dim=1)
    doubled["adjacency"] = torch.cat([base["adjacency"], base["adjacency"][:1]])
    summed = dict(base)
    summed["adjacency"] = base["adjacency"].clone()
    summed["adjacency"][0] *= 2
    assert_close(model(doubled)["node_out"], model(summed)["node_out"])


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"edge_index": torch.tensor([[0, 9], [1, 1]])}, "adjacency.*out of range"),
        ({"edge_index": torch.tensor([[0, -1], [1, 1]])}, "adjacency.*negative"),
        ({"edge_index": torch.tensor([[0.0, 1.0], [1.0, 0.0]])}, "adjacency.*integer"),
        ({"edge_index": torch.tensor([[0, 1, 2]])}, r"adjacency.*\(2, E\)"),
        ({"batch": torch.zeros(3, dtype=torch.long)}, "batch"),
        ({"features": torch.zeros(5, 2, dtype=torch.float64)}, "shape"),
        ({"features": torch.zeros(5, 3, dtype=torch.long)}, "features.*integer"),
    ],
)
def test_bad_edge_index_inputs_are_refused(change: dict, fragment: str) -> None:
    inputs = random_batch([5], seed=1) | change
    if "edge_index" in change:
        inputs["adjacency"] = torch.ones(change["edge_index"].shape[1], 1, dtype=torch.float64)
    with pytest.raises(SymcError, match=fragment):
        make_model("ego")(inputs)


def test_bad_dense_inputs_are_refused() -> None:
    model = make_model("ego")
    good = {
        "adjacency": torch.ones(2, 4, 4, 1, dtype=torch.float64),
        "features": torch.ones(2, 4, 3, dtype=torch.float64),
        "context": torch.ones(2, 1, dtype=torch.float64),
    }
    with pytest.raises(SymcError, match="square"):
        model(good | {"adjacency": torch.ones(2, 4, 3, 1, dtype=torch.float64)})
    with pytest.raises(SymcError, match="agree"):
        model(good | {"features": torch.ones(2, 5, 3, dtype=torch.float64)})
    with pytest.raises(SymcError, match="mask"):
        model(good | {"mask": torch.ones(2, 4)})
    with pytest.raises(SymcError, match="missing"):
        model({"adjacency": good["adjacency"]})


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (GRAPH_SPEC.format(locality="ego(k = -1, edges = adjacency)"), "k"),
        (GRAPH_SPEC.format(locality="ego(k = 2, edges = features)"), "edges"),
        (GRAPH_SPEC.format(locality="ego(k = 2)").replace("S(n)", "SO(3) x S(n)"), "group S\\(n\\) alone"),
        (GRAPH_SPEC.format(locality="ego(k = 2)").replace("3xT(0) per node", "T(1) per node"), "T\\(1\\)"),
    ],
)
def test_bad_specs_are_refused_with_a_location(text: str, fragment: str) -> None:
    with pytest.raises(SymcError, match=fragment) as refused:
        symc.build(symc.parse(text))
    assert refused.value.location is not None


def test_node_features_only_on_the_complete_graph() -> None:
    spec = symc.parse(
        "model S { group S(n); input h: 2xT(0) per node; output y: T(0) global; locality ego(k = 1); "
        "method basis; dtype float64 }"
    )
    model = symc.build(spec)
    assert symc.testing.assert_equivariant(model, spec, trials=2, n=5).passed
    edge_index = torch.tensor([[0, 1], [1, 2]])
    out = model({"edge_index": edge_index, "h": torch.randn(3, 2, dtype=torch.float64)})
    assert out["y"].shape == (1, 1) and out["y"].dtype == torch.float64
