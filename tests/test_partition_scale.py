"""The closed-form S(n) ops at scale: span equality with independent references, equivariance to n = 500.

``apply_partition_op`` never builds an ``n^(k+l)`` matrix; here (small n only) its matrices are materialised
by applying it to unit inputs and compared with a reference that shares no code with it: the dense constraint
null space of the numerical solver while that is cheap (n^(k+l) <= 36; its SVD costs seconds beyond), else the
orbit basis (S(n) orbits of index tuples are their equality patterns, so the commutant is spanned by the
indicators of the patterns that occur). The counts below Bell(k + l) (n < k + l) are checked as well.
"""

from __future__ import annotations

import itertools

import pytest
import torch

from symc.layers.permutation import apply_partition_op, partition_ops
from symc.solvers.equivariant import dense_constraint_nullspace
from symc.solvers.partitions import bell_number, partition_count

ORDER_PAIRS = [(k, l) for k in range(5) for l in range(5) if k + l <= 4]
DENSE_SOLVER_LIMIT = 36  # largest n^(k+l) checked against the SVD of the dense constraint matrix


def equality_pattern(indices: tuple[int, ...]) -> tuple[int, ...]:
    """The restricted growth string of which positions hold equal indices: the tuple's S(n) orbit."""
    first_seen: dict[int, int] = {}
    return tuple(first_seen.setdefault(i, len(first_seen)) for i in indices)


def orbit_basis(n: int, k: int, l: int) -> torch.Tensor:
    """Orthonormal ``(count, n^l * n^k)`` orbit indicators; tuples run over (outputs, inputs), row-major."""
    patterns = [equality_pattern(t) for t in itertools.product(range(n), repeat=k + l)]
    distinct = sorted(set(patterns))
    rows = torch.tensor([[p == d for p in patterns] for d in distinct], dtype=torch.float64)
    return rows / rows.norm(dim=1, keepdim=True)


def reference_space(n: int, k: int, l: int) -> torch.Tensor:
    if n ** (k + l) <= DENSE_SOLVER_LIMIT:
        return dense_constraint_nullspace(f"S({n})", f"T({k})", f"T({l})").reshape(-1, n ** (k + l))
    return orbit_basis(n, k, l)


def closed_form_matrices(n: int, k: int, l: int) -> torch.Tensor:
    """Every partition op as a dense ``(Bell(k+l), n^l, n^k)`` matrix, by applying it to the unit inputs."""
    units = torch.eye(n**k, dtype=torch.float64).reshape(n**k, *([n] * k), 1)
    columns = [apply_partition_op(units, labels, k, l, n=n, reduction="sum") for labels in partition_ops(k, l)]
    return torch.stack([c.reshape(n**k, n**l).T for c in columns])


@pytest.mark.parametrize("n", range(1, 7))
@pytest.mark.parametrize(("k", "l"), ORDER_PAIRS)
def test_closed_form_spans_the_reference_space(n: int, k: int, l: int) -> None:
    ops = closed_form_matrices(n, k, l).reshape(bell_number(k + l), -1)
    nullspace = reference_space(n, k, l)
    expected = partition_count(n, k, l)
    assert nullspace.shape[0] == expected
    assert torch.linalg.matrix_rank(ops).item() == expected
    # Every op lies in the solver's space, and (equal ranks) the ops span all of it.
    residual = ops - (ops @ nullspace.T) @ nullspace
    assert residual.abs().max().item() < 1e-10


def test_small_n_counts_drop_below_bell() -> None:
    assert [partition_count(n, 2, 2) for n in range(1, 6)] == [1, 8, 14, 15, 15]
    assert torch.linalg.matrix_rank(closed_form_matrices(2, 2, 2).reshape(15, -1)).item() == 8


def _permute(x: torch.Tensor, perm: torch.Tensor, order: int) -> torch.Tensor:
    """Apply ``P e_i = e_σ(i)`` to the ``order`` set axes of ``x (batch, n, ..., n, C)``."""
    inverse = torch.argsort(perm)
    for axis in range(1, order + 1):
        x = x.index_select(axis, inverse)
    return x


LARGE_CASES = [(1, 1, 500), (2, 2, 500), (2, 1, 500), (1, 2, 500), (0, 2, 500), (2, 0, 500), (3, 3, 12), (3, 1, 40)]


def test_orbit_reference_agrees_with_the_numerical_solver() -> None:
    dense = dense_constraint_nullspace("S(3)", "T(2)", "T(1)").reshape(-1, 27)
    orbits = orbit_basis(3, 2, 1)
    assert dense.shape[0] == orbits.shape[0] == 5
    assert (orbits - (orbits @ dense.T) @ dense).abs().max().item() < 1e-10


@pytest.mark.parametrize(("k", "l", "n"), LARGE_CASES)
def test_every_op_is_equivariant_at_large_n(k: int, l: int, n: int) -> None:
    generator = torch.Generator().manual_seed(1000 * k + 10 * l + n)
    x = torch.randn(1, *([n] * k), 2, generator=generator, dtype=torch.float64)
    perm = torch.randperm(n, generator=generator)
    weight = torch.randn(3, 2, generator=generator, dtype=torch.float64)
    for labels in partition_ops(k, l):
        out = apply_partition_op(x, labels, k, l, n=n, weight=weight)
        moved = apply_partition_op(_permute(x, perm, k), labels, k, l, n=n, weight=weight)
        scale = out.abs().max().clamp_min(1e-300)
        assert ((moved - _permute(out, perm, l)).abs().max() / scale).item() < 1e-12, labels
