"""Representation expressions, as the spec writes them, before a group gives them matrices.

``T(k,l)`` is ``V^{⊗k} ⊗ (V*)^{⊗l}`` of the group's defining representation V; irreps ``2x0e``
follow e3nn's notation (O(3)/SO(3) and the rotation part of E(3)/SE(3)). ``str()`` of any node is
its canonical text, which round-trips through the parser.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass


class RepExpr:
    """Base of all representation expressions (frozen dataclasses below)."""

    def __add__(self, other: RepExpr) -> SumRep:
        left = self.terms if isinstance(self, SumRep) else (self,)
        right = other.terms if isinstance(other, SumRep) else (other,)
        return SumRep(left + right)


@dataclass(frozen=True)
class TensorRep(RepExpr):
    """``T(k, l)``: k copies of V and l copies of its dual; ``T(0)`` is the trivial rep."""

    k: int
    l: int = 0

    def __str__(self) -> str:
        return f"T({self.k})" if self.l == 0 else f"T({self.k},{self.l})"


@dataclass(frozen=True, order=True)
class Irrep(RepExpr):
    """A real O(3) irrep of degree ``l`` and parity ``p`` (+1 even ``e``, -1 odd ``o``); ``symc.so3.Irrep`` too."""

    l: int
    parity: int

    @property
    def p(self) -> int:
        return self.parity

    @property
    def dim(self) -> int:
        return 2 * self.l + 1

    def __str__(self) -> str:
        return f"{self.l}{'e' if self.parity == 1 else 'o'}"


@dataclass(frozen=True)
class Point(RepExpr):
    """An affine position in R^d: rotations act linearly, translations shift it."""

    def __str__(self) -> str:
        return "point"


@dataclass(frozen=True)
class Orientation(RepExpr):
    """A unit vector on S^{d-1}; transforms like a vector, constrained to norm 1."""

    def __str__(self) -> str:
        return "orientation"


@dataclass(frozen=True)
class RotationFrame(RepExpr):
    """A rotation matrix attached to a point; the group acts by left multiplication."""

    def __str__(self) -> str:
        return "frame"


@dataclass(frozen=True)
class SumRep(RepExpr):
    terms: tuple[RepExpr, ...]

    def __str__(self) -> str:
        return " + ".join(_wrap(t, SumRep) for t in self.terms)


@dataclass(frozen=True)
class ProductRep(RepExpr):
    """Tensor product, written ``A ⊗ B`` or ``A * B`` in specs."""

    factors: tuple[RepExpr, ...]

    def __str__(self) -> str:
        return " * ".join(_wrap(f, (SumRep, ProductRep)) for f in self.factors)


@dataclass(frozen=True)
class DualRep(RepExpr):
    """The dual (contragredient) ``ρ*(g) = ρ(g)^{-T}``, written ``dual(A)``."""

    base: RepExpr

    def __str__(self) -> str:
        return f"dual({self.base})"


@dataclass(frozen=True)
class MultipleRep(RepExpr):
    """``m x A``: the direct sum of m copies of A."""

    mult: int
    base: RepExpr

    def __str__(self) -> str:
        return f"{self.mult}x{_wrap(self.base, (SumRep, ProductRep))}"


def rep_atoms(rep: RepExpr, copies: int = 1) -> Iterator[tuple[RepExpr, int]]:
    """``(atom, copies)`` for each term of a sum of multiples, in order; a product or a dual is one atom."""
    if isinstance(rep, SumRep):
        for term in rep.terms:
            yield from rep_atoms(term, copies)
    elif isinstance(rep, MultipleRep):
        yield from rep_atoms(rep.base, copies * rep.mult)
    else:
        yield rep, copies


def _wrap(node: RepExpr, kinds: type | tuple[type, ...]) -> str:
    return f"({node})" if isinstance(node, kinds) else str(node)
