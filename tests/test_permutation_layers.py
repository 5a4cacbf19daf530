"""S(n) partition ops applied in closed form: exact agreement with the dense 0/1 basis and equivariance."""

from __future__ import annotations

import itertools

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from symc.layers.permutation import apply_partition_op, partition_ops, set_partitions

ORDER_PAIRS = [(k, l) for k in range(3) for l in range(3)]


def dense_partition_op(labels: tuple[int, ...], k: int, l: int, n: int, reduction: str = "mean") -> torch.Tensor:
    """The op as an explicit ``(n^l, n^k)`` matrix: 1 where every block's indices agree, then normalised."""
    op = torch.zeros(n**l, n**k, dtype=torch.float64)
    for indices in itertools.product(range(n), repeat=k + l):
        value_of_block: dict[int, int] = {}
        if all(value_of_block.setdefault(b, i) == i for b, i in zip(labels, indices, strict=True)):
            row = sum(i * n**p for p, i in enumerate(reversed(indices[k:])))
            col = sum(i * n**p for p, i in enumerate(reversed(indices[:k])))
            op[row, col] = 1.0
    reduced = set(labels[:k]) - set(labels[k:])
    return op / float(n) ** len(reduced) if reduction == "mean" else op


def apply_dense(op: torch.Tensor, x: torch.Tensor, k: int, l: int, n: int) -> torch.Tensor:
    batch, channels = x.shape[0], x.shape[-1]
    flat = x.reshape(batch, n**k, channels)
    return torch.einsum("oi,bic->boc", op, flat).reshape(batch, *([n] * l), channels)


def random_set_tensor(batch: int, n: int, order: int, channels: int, seed: int) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(batch, *([n] * order), channels, generator=gen, dtype=torch.float64)


def permute_set_axes(x: torch.Tensor, perm: torch.Tensor, order: int) -> torch.Tensor:
    for axis in range(1, order + 1):
        x = x.index_select(axis, perm)
    return x


@pytest.mark.parametrize("size, bell", [(0, 1), (1, 1), (2, 2), (3, 5), (4, 15), (5, 52)])
def test_number_of_partitions_is_bell(size: int, bell: int) -> None:
    partitions = set_partitions(size)
    assert len(partitions) == bell
    assert len(set(partitions)) == bell


def test_partitions_are_restricted_growth_strings() -> None:
    for labels in set_partitions(4):
        assert labels[0] == 0
        for p, label in enumerate(labels):
            assert label <= max(labels[:p], default=-1) + 1


@settings(max_examples=40, deadline=None)
@given(
    order_pair=st.sampled_from(ORDER_PAIRS),
    n=st.integers(1, 5),
    op_index=st.integers(0, 14),
    reduction=st.sampled_from(["mean", "sum"]),
    seed=st.integers(0, 2**16),
)
def test_matches_dense_op_exactly(
    order_pair: tuple[int, int], n: int, op_index: int, reduction: str, seed: int
) -> None:
    k, l = order_pair
    ops = partition_ops(k, l)
    labels = ops[op_index % len(ops)]
    x = random_set_tensor(2, n, k, 3, seed)
    expected = apply_dense(dense_partition_op(labels, k, l, n, reduction), x, k, l, n)
    got = apply_partition_op(x, labels, k, l, n=n, reduction=reduction)
    assert got.shape == expected.shape
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("k, l", ORDER_PAIRS)
@pytest.mark.parametrize("n", range(1, 7))
def test_span_equals_solver_partition_basis(k: int, l: int, n: int) -> None:
    """The ops span exactly the solver's dense S(n) partition basis (rank = partitions with <= n blocks)."""
    from symc.solvers import partition_basis

    ours = torch.stack([dense_partition_op(p, k, l, n).reshape(-1) for p in partition_ops(k, l)])
    theirs = torch.as_tensor(partition_basis(n, k, l), dtype=torch.float64).reshape(-1, n ** (k + l))
    rank_ours = torch.linalg.matrix_rank(ours).item()
    assert rank_ours == sum(1 for p in partition_ops(k, l) if max(p, default=-1) + 1 <= n)
    assert torch.linalg.matrix_rank(theirs).item() == rank_ours
    assert torch.linalg.matrix_rank(torch.cat([ours, theirs])).item() == rank_ours


@pytest.mark.parametrize("k, l", ORDER_PAIRS)
def test_equivariant_under_random_permutations_large_n(k: int, l: int) -> None:
    n = 200 if max(k, l) <= 2 else 20
    gen = torch.Generator().manual_seed(k * 3 + l)
    perm = torch.randperm(n, generator=gen)
    x = random_set_tensor(1, n, k, 2, seed=7)
    for labels in partition_ops(k, l):
        out = apply_partition_op(x, labels, k, l, n=n)
        out_of_permuted = apply_partition_op(permute_set_axes(x, perm, k), labels, k, l, n=n)
        torch.testing.assert_close(out_of_permuted, permute_set_axes(out, perm, l), rtol=1e-12, atol=1e-12)


def test_means_are_size_independent_for_constant_input() -> None:
    """With mean reduction a constant set tensor maps to the same constant whatever n is."""
    labels = (0, 1)  # order 1 -> order 1: the mean broadcast back to every point
    for n in (3, 50):
        out = apply_partition_op(torch.full((1, n, 1), 2.0, dtype=torch.float64), labels, 1, 1)
        torch.testing.assert_close(out, torch.full((1, n, 1), 2.0, dtype=torch.float64))


def test_rejects_bad_arguments() -> None:
    x = torch.zeros(1, 4, 1)
    with pytest.raises(ValueError, match="positions"):
        apply_partition_op(x, (0, 1, 2), 1, 1)
    with pytest.raises(ValueError, match="set axes"):
        apply_partition_op(x, (0, 0), 2, 0)
    with pytest.raises(ValueError, match="n must be given"):
        apply_partition_op(torch.zeros(1, 1), (0,), 0, 1)
    with pytest.raises(ValueError, match="reduction"):
        apply_partition_op(x, (0, 0), 1, 1, reduction="max")


@pytest.mark.parametrize("k, l", ORDER_PAIRS)
def test_channel_weight_commutes_with_the_op(k: int, l: int) -> None:
    """Mixing channels between reduction and placement equals mixing after the op (the layer relies on it)."""
    x = random_set_tensor(2, 4, k, 3, seed=k + 10 * l)
    weight = torch.randn(5, 3, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    for labels in partition_ops(k, l):
        mixed = apply_partition_op(x, labels, k, l, n=4, weight=weight)
        torch.testing.assert_close(mixed, apply_partition_op(x, labels, k, l, n=4) @ weight.T, rtol=1e-12, atol=1e-12)
