"""Closed-form S(n)-equivariant maps between permutation tensors (Maron et al., ICLR 2019).

A linear map R^{n^k} -> R^{n^l} commutes with every permutation iff it is a combination of the
*partition operators*: one per set partition γ of the k + l index positions, with
``B_γ[j_1..j_l, i_1..i_k] = 1`` iff all indices inside each block of γ are equal. For n ≥ k + l
the Bell(k + l) operators are independent; for smaller n they span a space of dimension equal to
the number of partitions with at most n blocks.

Index convention: the output indices j come first (rows of the matrix), then the input indices i,
matching ``basis (k, dim_out, dim_in)``; flattening is row-major.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

import torch

from symc.errors import SymcError

# Dense partition bases hold Bell(k+l) * n^(k+l) entries; refuse anything past this many.
MAX_DENSE_ENTRIES = 50_000_000


def set_partitions(m: int) -> Iterator[tuple[tuple[int, ...], ...]]:
    """All set partitions of ``{0, ..., m-1}``, as tuples of sorted blocks, in a fixed order.

    Yields Bell(m) partitions (Bell(0) = 1: the empty partition). Generated through restricted
    growth strings, so each partition appears exactly once. Cost O(Bell(m) * m).
    """
    if m < 0:
        raise ValueError(f"set_partitions needs m >= 0, got {m}")
    labels = [0] * m

    def grow(position: int, used: int) -> Iterator[tuple[tuple[int, ...], ...]]:
        if position == m:
            blocks: list[list[int]] = [[] for _ in range(used)]
            for index, label in enumerate(labels):
                blocks[label].append(index)
            yield tuple(tuple(b) for b in blocks)
            return
        for label in range(used + 1):
            labels[position] = label
            yield from grow(position + 1, max(used, label + 1))

    yield from grow(0, 0)


@lru_cache(maxsize=64)
def _stirling2(m: int, blocks: int) -> int:
    """Stirling number of the second kind: partitions of m items into exactly ``blocks`` blocks."""
    if m == blocks:
        return 1
    if blocks == 0 or blocks > m:
        return 0
    return blocks * _stirling2(m - 1, blocks) + _stirling2(m - 1, blocks - 1)


def bell_number(m: int) -> int:
    """Number of set partitions of m items (1, 1, 2, 5, 15, 52, 203, ...)."""
    return sum(_stirling2(m, b) for b in range(m + 1))


def partition_count(n: int, k: int, l: int) -> int:
    """Dimension of the space of S(n)-equivariant maps T(k) -> T(l) of the permutation rep.

    Equals the number of set partitions of k + l items with at most n blocks
    (Bell(k + l) once n ≥ k + l). Exact integer arithmetic.
    """
    m = k + l
    return sum(_stirling2(m, b) for b in range(min(n, m) + 1))


def partition_basis(n: int, k: int, l: int, *, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """The Bell(k + l) partition operators as a dense tensor ``(Bell(k+l), n^l, n^k)``.

    Element γ is 1 where the indices in each block of γ agree (indices in different blocks may
    also agree). Not orthonormal, and linearly dependent when n < k + l; see
    :func:`orthonormal_partition_basis`. Cost O(Bell(k+l) * n^(k+l)) time and memory.
    """
    if n < 1 or k < 0 or l < 0:
        raise SymcError(f"partition_basis needs n >= 1 and k, l >= 0 (got n={n}, k={k}, l={l})")
    m = k + l
    entries = bell_number(m) * n**m
    if entries > MAX_DENSE_ENTRIES:
        raise SymcError(
            f"the dense partition basis of S({n}) T({k})->T({l}) would hold {entries} entries",
            hint="use a smaller n or tensor order; the closed form is dense by construction",
        )
    # Position p < l is output index j_{p}; position l + q is input index i_q.
    grids = torch.cartesian_prod(*[torch.arange(n)] * m).reshape(-1, m) if m else torch.zeros(1, 0, dtype=torch.long)
    operators = []
    for partition in set_partitions(m):
        mask = torch.ones(grids.shape[0], dtype=torch.bool)
        for block in partition:
            first = grids[:, block[0]]
            for position in block[1:]:
                mask &= grids[:, position] == first
        operators.append(mask.to(dtype).reshape(n**l, n**k))
    return torch.stack(operators)


def orthonormal_partition_basis(n: int, k: int, l: int) -> tuple[torch.Tensor, float]:
    """An orthonormal (Frobenius) basis ``(partition_count, n^l, n^k)`` of the partition span.

    The partition operators are reduced through the eigen-decomposition of their small
    Bell × Bell Gram matrix, so the cost is O(Bell² n^(k+l)) rather than an SVD of the operators.
    Returns the basis and the gap ratio (largest discarded / smallest kept Gram eigenvalue, as
    singular values: square roots), which is 0 when nothing is discarded.
    """
    raw = partition_basis(n, k, l).reshape(bell_number(k + l), -1)
    gram = raw @ raw.T
    eigenvalues, eigenvectors = torch.linalg.eigh(gram)
    rank = partition_count(n, k, l)
    kept_values = eigenvalues[-rank:] if rank else eigenvalues[:0]
    discarded = eigenvalues[: eigenvalues.numel() - rank]
    gap = 0.0
    if discarded.numel() and rank:
        gap = float(discarded.abs().max().clamp_min(0).sqrt() / kept_values.min().sqrt())
    coefficients = eigenvectors[:, eigenvalues.numel() - rank :] / kept_values.sqrt()
    basis = (coefficients.T @ raw).reshape(rank, n**l, n**k)
    return basis, gap
