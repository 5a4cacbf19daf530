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

import string
from collections.abc import Sequence
from functools import cache

import torch
from torch import Tensor

_BATCH, _CHANNEL = "Z", "Y"
_BLOCK_LETTERS = string.ascii_lowercase
_EXTRA_LETTERS = string.ascii_uppercase[:20]  # "Y"/"Z" stay reserved for channel and batch
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

    in_labels, out_labels = tuple(labels[:k]), tuple(labels[k:])
    reduced_blocks = set(in_labels) - set(out_labels)
    kept_blocks = sorted(set(in_labels) & set(out_labels))

    in_subscripts = _BATCH + "".join(_BLOCK_LETTERS[b] for b in in_labels) + _CHANNEL
    kept_subscripts = _BATCH + "".join(_BLOCK_LETTERS[b] for b in kept_blocks) + _CHANNEL
    kept = torch.einsum(f"{in_subscripts}->{kept_subscripts}", x)
    if reduced_blocks and reduction == "mean":
        kept = kept / float(n) ** len(reduced_blocks)
    if weight is not None:
        kept = kept @ weight.T
    if l == 0:
        return kept
    return _place_on_output(kept, kept_subscripts, out_labels, set(in_labels), n)


def _place_on_output(kept: Tensor, kept_subscripts: str, out_labels: tuple[int, ...], in_blocks: set, n: int) -> Tensor:
    """Broadcast output-only blocks and put repeated output indices on diagonals, as one einsum.

    Each block's first output position reuses the block letter; later positions of the same block get
    a fresh letter tied to it through an identity matrix, and output-only blocks enter through a ones
    vector. Every operand is an outer product factor, so the cost is the output size times the operands.
    """
    operands: list[Tensor] = [kept]
    subscripts: list[str] = [kept_subscripts]
    out_letters: list[str] = []
    seen: set[int] = set()
    extra = iter(_EXTRA_LETTERS)
    for block in out_labels:
        letter = _BLOCK_LETTERS[block]
        if block in seen:
            fresh = next(extra)
            operands.append(torch.eye(n, dtype=kept.dtype, device=kept.device))
            subscripts.append(letter + fresh)
            out_letters.append(fresh)
            continue
        seen.add(block)
        out_letters.append(letter)
        if block not in in_blocks:
            operands.append(torch.ones(n, dtype=kept.dtype, device=kept.device))
            subscripts.append(letter)
    if len(operands) == 1 and kept_subscripts[1:-1] == "".join(out_letters):
        return kept
    equation = ",".join(subscripts) + "->" + _BATCH + "".join(out_letters) + _CHANNEL
    return torch.einsum(equation, *operands)
