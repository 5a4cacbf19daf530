"""S(n) closed-form partition bases (Maron et al. 2019): counts, ranks, equivariance, orthonormality."""

from __future__ import annotations

import itertools

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from symc.errors import SymcError
from symc.solvers.partitions import (
    bell_number,
    orthonormal_partition_basis,
    partition_basis,
    partition_count,
    set_partitions,
)


def permutation_tensor_rep(perm: list[int], order: int) -> torch.Tensor:
    """ρ(σ) on T(order) of the permutation rep with P e_i = e_σ(i): (n^order, n^order)."""
    n = len(perm)
    p = torch.zeros(n, n, dtype=torch.float64)
    p[perm, list(range(n))] = 1.0
    out = torch.ones(1, 1, dtype=torch.float64)
    for _ in range(order):
        out = torch.kron(out, p)
    return out


@pytest.mark.parametrize("m, bell", [(0, 1), (1, 1), (2, 2), (3, 5), (4, 15), (5, 52), (6, 203)])
def test_set_partitions_are_bell_many_and_distinct(m: int, bell: int) -> None:
    partitions = list(set_partitions(m))
    assert len(partitions) == bell == bell_number(m)
    assert len(set(partitions)) == bell
    for partition in partitions:
        assert sorted(i for block in partition for i in block) == list(range(m))


@pytest.mark.parametrize(
    "n, k, l, expected",
    [(5, 1, 1, 2), (5, 2, 2, 15), (2, 2, 2, 8), (3, 2, 2, 14), (2, 2, 1, 4), (3, 1, 2, 5), (1, 2, 2, 1), (4, 2, 0, 2)],
)
def test_partition_count_matches_known_ranks(n: int, k: int, l: int, expected: int) -> None:
    assert partition_count(n, k, l) == expected
    raw = partition_basis(n, k, l)
    assert raw.shape == (bell_number(k + l), n**l, n**k)
    assert torch.linalg.matrix_rank(raw.reshape(raw.shape[0], -1)).item() == expected


def test_two_to_two_contains_identity_and_transpose() -> None:
    n = 4
    basis, _ = orthonormal_partition_basis(n, 2, 2)
    flat = basis.reshape(basis.shape[0], -1)
    identity = torch.eye(n * n, dtype=torch.float64)
    transpose = identity.reshape(n, n, n, n).permute(0, 1, 3, 2).reshape(n * n, n * n)
    for target in (identity, transpose):
        coefficients = flat @ target.reshape(-1)
        assert torch.allclose(coefficients @ flat, target.reshape(-1), atol=1e-12)


@settings(max_examples=15, deadline=None)
@given(
    n=st.integers(min_value=1, max_value=4),
    k=st.integers(min_value=0, max_value=2),
    l=st.integers(min_value=0, max_value=2),
    seed=st.integers(min_value=0, max_value=2**31 - 1),
)
def test_orthonormal_partition_basis_is_equivariant(n: int, k: int, l: int, seed: int) -> None:
    basis, gap = orthonormal_partition_basis(n, k, l)
    assert basis.shape == (partition_count(n, k, l), n**l, n**k)
    flat = basis.reshape(basis.shape[0], -1)
    assert torch.allclose(flat @ flat.T, torch.eye(basis.shape[0], dtype=torch.float64), atol=1e-12)
    assert gap < 1e-6
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()
    rho_in, rho_out = permutation_tensor_rep(perm, k), permutation_tensor_rep(perm, l)
    assert torch.allclose(rho_out @ basis @ rho_in.T, basis, atol=1e-12)


def test_every_permutation_fixes_the_raw_operators() -> None:
    n = 3
    raw = partition_basis(n, 1, 2)
    for perm in itertools.permutations(range(n)):
        rho_in, rho_out = permutation_tensor_rep(list(perm), 1), permutation_tensor_rep(list(perm), 2)
        assert torch.equal(rho_out @ raw @ rho_in.T, raw)


def test_oversized_dense_basis_is_refused() -> None:
    with pytest.raises(SymcError, match="entries"):
        partition_basis(60, 3, 3)
