"""``Irreps``: the one value type for a direct sum of O(3) irreps with multiplicities (e3nn's ``2x0e + 1x1o``).

Torch-free and hashable. Text is read by the spec grammar (``symc.ir.text.read_irreps`` →
``symc.frontend.reps.parse_irreps``), so ``Irreps("2x0e + 1o")`` and a spec's ``2x0e + 1o`` are read by the
same code; an ``ir.RepExpr`` made of irreps (sums, multiples) converts with the same layout. ``symc.so3.Irreps``
is this type with the torch numerics added (``representation``). Degrees above ``MAX_L`` are refused before
any table is built.
"""

from __future__ import annotations

from dataclasses import dataclass

from symc.errors import SymcError
from symc.ir.rep import Irrep, MultipleRep, RepExpr, SumRep

MAX_L = 24  # highest degree symc builds tables for; (2·24+1)² Fourier grids stay small


@dataclass(frozen=True)
class MulIrrep:
    """``mul`` copies of ``irrep``."""

    mul: int
    irrep: Irrep

    @property
    def dim(self) -> int:
        return self.mul * self.irrep.dim

    def __str__(self) -> str:
        return f"{self.mul}x{self.irrep}"


class Irreps(tuple):
    """Immutable sequence of ``MulIrrep`` blocks; ``Irreps("2x0e + 1o")``.

    Accepts text, an ``ir.RepExpr`` of irreps, another ``Irreps``, or an iterable of ``(mul, (l, p))`` /
    ``MulIrrep``. ``""`` and ``"0"`` are the empty sum.
    """

    def __new__(cls, value: str | RepExpr | Irreps | list | tuple = ()) -> Irreps:
        if type(value) is cls:
            return value
        if isinstance(value, str):
            if value.strip() in ("", "0"):
                return super().__new__(cls, ())
            from symc.ir.text import read_irreps

            value = read_irreps(value)
        if isinstance(value, RepExpr):
            blocks = list(blocks_of_rep(value))
        else:
            blocks = [_block(item) for item in value]
        return super().__new__(cls, blocks)

    @classmethod
    def spherical_harmonics(cls, lmax: int, p: int = -1) -> Irreps:
        """``0e + 1o + 2e + …`` up to ``lmax`` (parity ``p^l``), the irreps of ``Y(x)`` for x a vector."""
        check_degree(lmax, str(lmax))
        return cls([MulIrrep(1, Irrep(l, p**l)) for l in range(lmax + 1)])

    @property
    def dim(self) -> int:
        return sum(block.dim for block in self)

    @property
    def num_irreps(self) -> int:
        return sum(block.mul for block in self)

    @property
    def lmax(self) -> int:
        return max((block.irrep.l for block in self), default=-1)

    def slices(self) -> list[slice]:
        """The slice of the last axis that each block occupies."""
        out, start = [], 0
        for block in self:
            out.append(slice(start, start + block.dim))
            start += block.dim
        return out

    def simplify(self) -> Irreps:
        """Merge neighbouring blocks of the same irrep and drop empty ones (the layout is unchanged)."""
        merged: list[MulIrrep] = []
        for block in self:
            if block.mul == 0:
                continue
            if merged and merged[-1].irrep == block.irrep:
                merged[-1] = MulIrrep(merged[-1].mul + block.mul, block.irrep)
            else:
                merged.append(block)
        return type(self)(merged)

    def to_rep(self) -> RepExpr:
        """The same sum as an ``ir.RepExpr`` (empty blocks dropped), e.g. for a spec field."""
        terms = tuple(MultipleRep(b.mul, b.irrep) for b in self if b.mul)
        return terms[0] if len(terms) == 1 else SumRep(terms)

    def __add__(self, other: object) -> Irreps:
        return type(self)(list(self) + list(type(self)(other)))  # type: ignore[arg-type]

    def __str__(self) -> str:
        return "+".join(str(block) for block in self) if self else "0"

    def __repr__(self) -> str:
        return f"Irreps('{self}')"

    def check_tensor(self, x, name: str) -> None:
        """Raise a ``SymcError`` unless ``x`` has shape ``(..., self.dim)``."""
        if len(x.shape) == 0 or x.shape[-1] != self.dim:
            raise SymcError(
                f"{name} has shape {tuple(x.shape)}, but irreps {self} need a last dimension of {self.dim}",
                hint=f"pass a tensor of shape (..., {self.dim})",
            )


def blocks_of_rep(rep: RepExpr):
    """``MulIrrep`` blocks of a sum of (multiples of) irreps, in layout order; other reps are refused."""
    if isinstance(rep, Irrep):
        check_degree(rep.l, str(rep))
        yield MulIrrep(1, rep)
    elif isinstance(rep, MultipleRep) and isinstance(rep.base, Irrep):
        check_degree(rep.base.l, str(rep))
        yield MulIrrep(rep.mult, rep.base)
    elif isinstance(rep, MultipleRep):
        inner = list(blocks_of_rep(rep.base))
        for _ in range(rep.mult):
            yield from inner
    elif isinstance(rep, SumRep):
        for term in rep.terms:
            yield from blocks_of_rep(term)
    else:
        raise SymcError(
            f"'{rep}' is not a sum of O(3) irreps",
            hint="irreps are written like 2x0e + 1x1o: a multiplicity, 'x', a degree and parity e or o",
        )


def _block(item: object) -> MulIrrep:
    if isinstance(item, MulIrrep):
        check_degree(item.irrep.l, str(item))
        return item
    try:
        mul, (degree, parity) = item  # type: ignore[misc]
    except (TypeError, ValueError):
        raise SymcError(f"cannot read irreps block {item!r}", hint="use (mul, (l, p)) pairs or a string") from None
    if not (isinstance(mul, int) and isinstance(degree, int) and mul >= 0 and parity in (1, -1)):
        raise SymcError(f"invalid irreps block {item!r}", hint="mul and l are integers ≥ 0 and p is +1 or -1")
    check_degree(degree, str(item))
    return MulIrrep(mul, Irrep(degree, parity))


def check_degree(l: int, text: str) -> None:
    if l < 0 or l > MAX_L:
        raise SymcError(
            f"degree l = {l} in '{text}' is outside the supported range 0..{MAX_L}",
            hint=f"symc builds tables for l ≤ {MAX_L}; lower the degree",
        )
