"""Reading the structure of realised reps: direct-sum summands, S(n) tensor orders, per-factor splits.

These helpers only look at the node tree of ``symc.groups.rep_nodes`` and build new nodes from it; they never
touch numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from symc.groups import MatrixGroup, ProductGroup
from symc.groups.rep_nodes import (
    Defining,
    DirectSum,
    Dual,
    FactorRep,
    O3Irrep,
    PointRep,
    Rep,
    TensorProductRep,
    Trivial,
)


def signature(rep: Rep) -> str:
    """Canonical structural text of a node: equal signatures mean identical actions (used as cache keys).

    Unlike ``str(rep)`` it names product-group factors explicitly (``F0[...]``), so it is unambiguous.
    """
    if isinstance(rep, Trivial):
        return "1"
    if isinstance(rep, Defining):
        return "V"
    if isinstance(rep, PointRep):
        return "P"
    if isinstance(rep, O3Irrep):
        return f"{rep.l}{'e' if rep.parity == 1 else 'o'}"
    if isinstance(rep, Dual):
        return f"dual({signature(rep.base)})"
    if isinstance(rep, DirectSum):
        return "(" + " + ".join(signature(t) for t in rep.terms) + ")"
    if isinstance(rep, TensorProductRep):
        return "(" + " * ".join(signature(f) for f in rep.factors) + ")"
    if isinstance(rep, FactorRep):
        return f"F{rep.index}[{signature(rep.base)}]"
    return f"{type(rep).__name__}<{rep.text}>"


def summands(rep: Rep) -> list[Rep]:
    """The direct-sum terms of ``rep`` in coordinate order, nested sums flattened (``[rep]`` if none).

    Duals and factor reps of sums are pushed inside, since they act block-diagonally as well.
    """
    if isinstance(rep, DirectSum):
        return [s for term in rep.terms for s in summands(term)]
    if isinstance(rep, Dual):
        inner = summands(rep.base)
        if len(inner) > 1:
            return [Dual(group=t.group, dim=t.dim, text=f"dual({t.text})", base=t) for t in inner]
    if isinstance(rep, FactorRep):
        inner = summands(rep.base)
        if len(inner) > 1:
            return [FactorRep(group=rep.group, dim=t.dim, text=t.text, index=rep.index, base=t) for t in inner]
    return [rep]


def permutation_order(rep: Rep) -> int | None:
    """k if ``rep`` is T(k) of the permutation rep of S(n) (duals allowed: P^{-T} = P), else None."""
    if isinstance(rep, Trivial):
        return 0
    if isinstance(rep, Defining):
        return 1
    if isinstance(rep, Dual):
        return permutation_order(rep.base)
    if isinstance(rep, TensorProductRep):
        orders = [permutation_order(f) for f in rep.factors]
        return None if None in orders else sum(orders)
    return None


def is_symmetric_group(group: MatrixGroup | ProductGroup) -> bool:
    return isinstance(group, MatrixGroup) and group.factor.family == "S"


@dataclass(frozen=True)
class FactorSplit:
    """``rep`` = parts[0] ⊗ parts[1] ⊗ … with parts[i] a rep of factor i (row-major, factor 0 slowest)."""

    parts: tuple[Rep, ...]


def _tensor(group: MatrixGroup, pieces: list[Rep]) -> Rep:
    if not pieces:
        return Trivial(group=group, dim=1, text="T(0)")
    if len(pieces) == 1:
        return pieces[0]
    dim = 1
    for piece in pieces:
        dim *= piece.dim
    return TensorProductRep(group=group, dim=dim, text=" * ".join(p.text for p in pieces), factors=tuple(pieces))


def split_by_factor(group: ProductGroup, rep: Rep) -> FactorSplit | None:
    """Write a rep of G1 × G2 × … as a tensor product of one rep per factor, if its layout allows.

    Works for ``Trivial``, a ``FactorRep``, and tensor products of those whose factor indices never
    decrease (so the Kronecker layout is factor 0 slowest); anything else returns None.
    """
    if isinstance(rep, Trivial):
        pieces: list[FactorRep] = []
    elif isinstance(rep, FactorRep):
        pieces = [rep]
    elif isinstance(rep, TensorProductRep) and all(isinstance(f, (FactorRep, Trivial)) for f in rep.factors):
        pieces = [f for f in rep.factors if isinstance(f, FactorRep)]
    else:
        return None
    indices = [p.index for p in pieces]
    if indices != sorted(indices):
        return None
    parts = tuple(_tensor(factor, [p.base for p in pieces if p.index == i]) for i, factor in enumerate(group.factors))
    return FactorSplit(parts)
