"""S(n)-equivariant linear maps between order-k and order-l set tensors, applied in closed form.

Maron et al. (ICLR 2019): the linear maps ``R^{n^k} -> R^{n^l}`` that commute with S(n) are spanned by one op
per set partition of the k + l index positions (input positions ``0..k-1``, output positions ``k..k+l-1``).
The op is the 0/1 tensor equal to 1 when all indices inside each block are equal. Applying it never builds
that ``n^(k+l)`` tensor: input indices sharing a block become a diagonal, blocks holding only input indices
are reduced (mean by default, so weights transfer across n), blocks holding only output indices broadcast,
and output indices sharing a block are placed on a diagonal. Cost and memory: ``O(batch * n^max(k,l) * C)``.

A partition is written as a restricted growth string: ``labels[p]`` is the block of position p, blocks are
numbered in order of first appearance (``(0, 0, 1, 1)`` for k = l = 2 pairs the inputs and pairs the outputs).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from torch import Tensor

from symc.runtime.standalone import partition_op

REDUCTIONS = ("mean", "sum")


@cache
def set_partitions(size: int) -> tuple[tuple[int, ...], ...]:
    """All set partitions of ``size`` positions as restricted growth strings, in lexicographic order.

    There are Bell(size) of them (1, 1, 2, 5, 15, 52 for size 0..5).
    """
    if size < 0:
        raise ValueError(f"size must be non-negative, got {size}")
    found: list[tuple[int, ...]] = []

    def extend(prefix: tuple[int, ...], blocks: int) -> None:
        if len(prefix) == size:
            found.append(prefix)
            return
        for label in range(blocks + 1):
            extend((*prefix, label), max(blocks, label + 1))

    extend((), 0)
    return tuple(found)


def partition_ops(k: int, l: int) -> tuple[tuple[int, ...], ...]:
    """The Bell(k + l) partitions indexing the S(n)-equivariant maps from order k to order l."""
    return set_partitions(k + l)


def apply_partition_op(
    x: Tensor,
    labels: Sequence[int],
    k: int,
    l: int,
    n: int | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Apply the partition op ``labels`` (length k + l) to ``x``, optionally mixing channels with ``weight``.

    x: ``(batch, n, ..., n, C_in)`` with k set axes; returns ``(batch, n, ..., n, C_out)`` with l set axes.
    ``n`` is required only when k = 0 (nothing to read it from). ``reduction`` ("mean" or "sum") normalises
    blocks with only input indices; "mean" divides by n per such block. ``weight (C_out, C_in)`` gives
    ``op(x) @ weight.T`` but is applied between reduction and placement, on the smaller tensor.
    """
    if len(labels) != k + l:
        raise ValueError(f"partition {tuple(labels)} does not have k + l = {k + l} positions")
    if x.dim() != k + 2:
        raise ValueError(f"expected a tensor with {k} set axes between batch and channels, got shape {tuple(x.shape)}")
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    if k > 0:
        n = x.shape[1]
    elif n is None and l > 0:
        raise ValueError("n must be given when the input has no set axes")

    # One implementation serves the built model and the generated standalone module (which may import torch
    # only), so the two can never compute different ops.
    return partition_op(x, list(labels), k, l, n, reduction == "mean", weight)
