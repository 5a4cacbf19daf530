"""Features as multiplicity-aware blocks: ``m`` copies of one geometric rep, indexed by a set order.

A feature of order ``o`` is a tensor ``(batch, n^o..., C_o)``; its channels are the concatenation of
its blocks, each laid out copy-major (``copy * dim + component``), which is exactly how ``m x A`` and
sums of reps flatten. Order 0/1/2 mean global / per point / per pair; without S(n) everything is order 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from symc.errors import SymcError
from symc.ir import (
    DualRep,
    GroupFactor,
    Irrep,
    MultipleRep,
    Orientation,
    Point,
    ProductRep,
    RepExpr,
    SumRep,
    TensorRep,
)
from symc.ir.dims import rep_dim
from symc.solvers.solved import is_trivial

SCALAR = TensorRep(0)


@dataclass(frozen=True)
class Block:
    """``mult`` copies of the geometric rep ``rep`` (one copy has ``dim`` entries) at set order ``order``."""

    rep: RepExpr
    mult: int
    order: int
    dim: int

    @property
    def size(self) -> int:
        return self.mult * self.dim

    @property
    def is_scalar(self) -> bool:
        return is_trivial(self.rep)

    def __str__(self) -> str:
        where = ("", " per point", " per pair")[self.order] if self.order < 3 else f" order {self.order}"
        return f"{self.mult}x{self.rep}{where}"


@dataclass(frozen=True)
class FeatureLayout:
    """Blocks in channel order; each order's blocks are packed into one tensor, in the order listed."""

    blocks: tuple[Block, ...]

    @property
    def orders(self) -> tuple[int, ...]:
        return tuple(sorted({b.order for b in self.blocks}))

    def channels(self, order: int) -> int:
        return sum(b.size for b in self.blocks if b.order == order)

    @cached_property
    def _offsets(self) -> tuple[int, ...]:
        used: dict[int, int] = {}
        offsets = []
        for block in self.blocks:
            offsets.append(used.get(block.order, 0))
            used[block.order] = offsets[-1] + block.size
        return tuple(offsets)

    def offset(self, index: int) -> int:
        """First channel of block ``index`` inside its order's tensor."""
        return self._offsets[index]

    def channel_slice(self, index: int) -> slice:
        start = self.offset(index)
        return slice(start, start + self.blocks[index].size)

    def __add__(self, other: FeatureLayout) -> FeatureLayout:
        return FeatureLayout(self.blocks + other.blocks)

    def __str__(self) -> str:
        return " + ".join(str(b) for b in self.blocks) or "(empty)"


def linear_rep(rep: RepExpr) -> RepExpr:
    """The linear rep a network computes with: ``point`` (once centred) and ``orientation`` act as ``T(1)``."""
    return TensorRep(1) if isinstance(rep, (Point, Orientation)) else rep


def rep_terms(rep: RepExpr) -> list[tuple[RepExpr, int]]:
    """``rep`` as consecutive ``(single-copy rep, multiplicity)`` terms in layout order.

    ``2x(T(0) + T(1))`` flattens as T(0), T(1), T(0), T(1), so it stays four terms; adjacent equal terms merge.
    """
    terms: list[tuple[RepExpr, int]] = []
    for base, mult in _expand(rep):
        if terms and terms[-1][0] == base:
            terms[-1] = (base, terms[-1][1] + mult)
        else:
            terms.append((base, mult))
    return terms


def _expand(rep: RepExpr) -> Iterable[tuple[RepExpr, int]]:
    if isinstance(rep, SumRep):
        for term in rep.terms:
            yield from _expand(term)
    elif isinstance(rep, MultipleRep):
        inner = list(_expand(rep.base))
        if len(inner) == 1:
            yield inner[0][0], inner[0][1] * rep.mult
        else:
            for _ in range(rep.mult):
                yield from inner
    else:
        yield rep, 1


def single_dim(rep: RepExpr, factor: GroupFactor | None) -> int:
    """Dimension of one copy of ``rep`` over the geometric factor (scalars only when there is none)."""
    if factor is None:
        if not is_trivial(rep):
            raise SymcError(
                f"representation '{rep}' needs a geometric group factor; this group only permutes points",
                hint="use scalar channels such as T(0) or 0e, or add a factor such as SO(3)",
            )
        return 1
    return rep_dim(rep, factor)


def blocks_of(rep: RepExpr, order: int, factor: GroupFactor | None) -> tuple[Block, ...]:
    """The blocks of one field or hidden rep at set order ``order``."""
    return tuple(
        Block(linear_rep(base), mult, order, single_dim(linear_rep(base), factor)) for base, mult in rep_terms(rep)
    )


def tensor_rank(rep: RepExpr) -> int:
    """How many vector indices ``rep`` carries (``T(k,l)``: k + l; irrep ``lp``: l); bounds bilinear products."""
    if isinstance(rep, TensorRep):
        return rep.k + rep.l
    if isinstance(rep, Irrep):
        return rep.l
    if isinstance(rep, ProductRep):
        return sum(tensor_rank(f) for f in rep.factors)
    if isinstance(rep, DualRep):
        return tensor_rank(rep.base)
    return 1


def product_rep(left: RepExpr, right: RepExpr) -> RepExpr:
    """The rep of ``x ⊗ y`` (row-major Kronecker), simplified where the layout is unchanged.

    Trivial factors drop out; ``T(a,b) ⊗ T(c,d)`` is ``T(a+c, b+d)`` when V factors still come first
    (b = 0 or c = 0), otherwise the product is kept as a ``ProductRep``.
    """
    if is_trivial(left):
        return right
    if is_trivial(right):
        return left
    if isinstance(left, TensorRep) and isinstance(right, TensorRep) and (left.l == 0 or right.k == 0):
        return TensorRep(left.k + right.k, left.l + right.l)
    return ProductRep((left, right))
