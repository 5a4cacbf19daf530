"""TinvNN's modified MDS: invariant, distance-preserving, permutation-equivariant coordinates, with the
sign rule applied and repeated eigenvalues / undecided signs detected and reported."""

from __future__ import annotations

import math

import pytest
import torch

from symc.errors import SymcError
from symc.solvers.mds import mds_embedding


def _orthogonal(seed: int) -> torch.Tensor:
    q, _ = torch.linalg.qr(torch.randn(3, 3, generator=torch.Generator().manual_seed(seed), dtype=torch.float64))
    return q


def _cloud(seed: int, n: int = 9) -> torch.Tensor:
    # Anisotropic, so the eigenvalues are well separated.
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 3, generator=g, dtype=torch.float64) * torch.tensor([3.0, 2.0, 1.0], dtype=torch.float64)


@pytest.mark.parametrize("seed", range(4))
def test_embedding_is_invariant_distance_preserving_and_permutation_equivariant(seed):
    x = _cloud(seed)
    result = mds_embedding(x)
    assert result.reliable
    torch.testing.assert_close(torch.cdist(result.coords, result.coords), torch.cdist(x, x), rtol=0, atol=1e-10)
    Q, t = _orthogonal(seed + 10), torch.randn(3, dtype=torch.float64)
    perm = torch.randperm(9, generator=torch.Generator().manual_seed(seed))
    moved = mds_embedding((x @ Q.T + t)[perm])
    torch.testing.assert_close(moved.coords, result.coords[perm], rtol=0, atol=1e-10)
    torch.testing.assert_close(moved.eigenvalues, result.eigenvalues, rtol=1e-12, atol=1e-10)
    assert bool((result.coords.pow(3).sum(0) > 0).all())  # the skewness sign rule


def test_batched_and_scale_normalised():
    x = torch.stack([_cloud(1), _cloud(2)])
    result = mds_embedding(x, normalise_scale=True)
    scaled = mds_embedding(5.0 * x, normalise_scale=True)
    torch.testing.assert_close(scaled.coords, result.coords, rtol=0, atol=1e-10)
    torch.testing.assert_close(result.coords.pow(2).sum(-1).mean(-1), torch.ones(2, dtype=torch.float64))


def test_extra_dimensions_are_zero_padded():
    x = torch.tensor([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 2.5, 0.0]], dtype=torch.float64)
    result = mds_embedding(x, dim=5)
    assert result.coords.shape == (3, 5)
    assert float(result.coords[:, 2:].abs().max()) < 1e-7
    torch.testing.assert_close(torch.cdist(result.coords, result.coords), torch.cdist(x, x), rtol=0, atol=1e-10)


def test_repeated_eigenvalues_of_a_regular_polygon_are_reported():
    angles = torch.arange(6, dtype=torch.float64) * (2 * math.pi / 6)
    hexagon = torch.stack([torch.cos(angles), torch.sin(angles), torch.zeros(6, dtype=torch.float64)], dim=-1)
    result = mds_embedding(hexagon)
    assert bool(result.degenerate) and not result.reliable
    assert "repeated eigenvalue" in result.report()
    with pytest.raises(SymcError, match="not unique"):
        mds_embedding(hexagon, strict=True)


def test_undecided_signs_of_a_mirror_symmetric_cloud_are_reported():
    half = _cloud(5, n=4)
    mirrored = torch.cat([half, half * torch.tensor([-1.0, 1.0, 1.0], dtype=torch.float64)])
    result = mds_embedding(mirrored)
    assert bool(result.ambiguous_sign.any()) and "no preferred sign" in result.report()


def test_bad_input_is_refused():
    with pytest.raises(SymcError, match="NaN"):
        mds_embedding(torch.tensor([[0.0, float("nan"), 0.0]]))
    with pytest.raises(SymcError, match="float tensor"):
        mds_embedding(torch.zeros(3))
    with pytest.raises(SymcError, match="at least one point"):
        mds_embedding(torch.zeros(0, 3))
