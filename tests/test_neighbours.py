"""Radius and kNN graphs: the cell-list route equals brute force exactly, batched clouds stay apart, and
bad input is refused with one SymcError."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from symc.errors import SymcError
from symc.locality.neighbours import knn_graph, radius_graph


def _reference_radius(pos: torch.Tensor, r: float, batch: torch.Tensor) -> set[tuple[int, int]]:
    """Every (j, i), j ≠ i, of one cloud with ‖x_i − x_j‖² ≤ r², from a double loop."""
    sq = (pos[:, None, :] - pos[None, :, :]).pow(2).sum(-1)
    n = pos.shape[0]
    return {(j, i) for i in range(n) for j in range(n) if i != j and batch[i] == batch[j] and sq[i, j] <= r * r}


def _cloud(seed: int, n: int, d: int, clouds: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, d, generator=g, dtype=torch.float64) * 4.0, torch.randint(0, clouds, (n,), generator=g)


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(0, 60),
    d=st.integers(1, 4),
    clouds=st.integers(1, 3),
    r=st.floats(0.05, 3.0),
)
def test_radius_graph_matches_a_double_loop(seed, n, d, clouds, r):
    pos, batch = _cloud(seed, n, d, clouds)
    reference = _reference_radius(pos, r, batch)
    for method in ("brute", "cells"):
        edges = radius_graph(pos, r, batch, method=method)
        assert set(map(tuple, edges.T.tolist())) == reference
        assert torch.equal(edges, radius_graph(pos, r, batch, method="brute"))


@pytest.mark.parametrize(("d", "r"), [(3, 0.25), (2, 0.15), (1, 0.01)])
def test_cell_list_equals_brute_force_on_a_large_batched_cloud(d, r):
    pos, batch = _cloud(0, 2100, d, 3)
    pos = pos / 4.0
    cells = radius_graph(pos, r, batch)  # auto: the cell list above the brute-force threshold
    assert cells.shape[1] > 500
    assert torch.equal(cells, radius_graph(pos, r, batch, method="brute"))


@pytest.mark.parametrize(("d", "k"), [(3, 1), (3, 12), (2, 5)])
def test_knn_by_cells_equals_brute_force(d, k):
    pos, batch = _cloud(1, 800, d, 2)
    cells = knn_graph(pos, k, batch, method="cells")
    assert torch.equal(cells, knn_graph(pos, k, batch, method="brute"))
    assert torch.equal(torch.bincount(cells[1]), torch.full((800,), k))


def test_knn_returns_the_k_nearest_with_ties_broken_by_index():
    # A line of equally spaced points: the middle point has two neighbours at each distance.
    pos = torch.arange(7, dtype=torch.float64).unsqueeze(-1)
    edges = knn_graph(pos, 3, method="brute")
    of_3 = edges[0, edges[1] == 3].tolist()
    assert of_3 == [2, 4, 1]
    assert torch.equal(edges, knn_graph(pos, 3, method="cells"))


def test_knn_clamps_k_to_the_cloud_size():
    pos = torch.randn(7, 3, dtype=torch.float64)
    batch = torch.tensor([0, 0, 0, 1, 1, 1, 1])
    edges = knn_graph(pos, 10, batch)
    assert torch.equal(torch.bincount(edges[1]), torch.tensor([2, 2, 2, 3, 3, 3, 3]))
    assert bool((batch[edges[0]] == batch[edges[1]]).all())


def test_singleton_and_empty_clouds():
    one = torch.zeros(1, 3)
    assert radius_graph(one, 1.0).shape == (2, 0)
    assert knn_graph(one, 4).shape == (2, 0)
    empty = torch.zeros(0, 3)
    assert radius_graph(empty, 1.0).shape == (2, 0)
    assert knn_graph(empty, 2).shape == (2, 0)


@pytest.mark.parametrize("r", [0.0, -1.0, float("nan"), float("inf")])
def test_bad_radius_is_refused(r):
    with pytest.raises(SymcError, match="radius"):
        radius_graph(torch.randn(5, 3), r)


@pytest.mark.parametrize("k", [0, -2, 1.5, True])
def test_bad_k_is_refused(k):
    with pytest.raises(SymcError, match="k must be"):
        knn_graph(torch.randn(5, 3), k)


def test_nan_positions_are_refused_with_the_point():
    pos = torch.randn(6, 3)
    pos[4, 1] = float("nan")
    with pytest.raises(SymcError, match="position 4"):
        radius_graph(pos, 1.0)
    with pytest.raises(SymcError, match="position 4"):
        knn_graph(pos, 2)


def test_malformed_batch_is_refused():
    with pytest.raises(SymcError, match="batch"):
        radius_graph(torch.randn(5, 3), 1.0, torch.zeros(4, dtype=torch.long))
    with pytest.raises(SymcError, match="batch"):
        radius_graph(torch.randn(5, 3), 1.0, torch.zeros(5))
    with pytest.raises(SymcError, match="positions"):
        radius_graph(torch.randn(5), 1.0)


def test_a_sparse_cloud_with_a_tiny_radius_falls_back_without_overflow():
    pos = torch.tensor([[0.0, 0.0, 0.0], [1e12, 1e12, 1e12], [1e-9, 0.0, 0.0]], dtype=torch.float64)
    edges = radius_graph(pos, 1e-6, method="cells")
    assert edges.tolist() == [[2, 0], [0, 2]]
