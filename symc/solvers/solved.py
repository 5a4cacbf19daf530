"""The solved IR: every equivariant map a model needs, solved once, before any module is built.

``solve_maps(factor, pairs)`` solves each distinct ``(rep_in, rep_out)`` pair over one geometric group
factor (the S(n) part is closed form and needs no solve) and returns a ``SolvedModel``: the bases with
where they came from and their certificates. Builders read it; ``symc info`` prints its certificates and
``symc warm`` only solves it, so nothing is solved twice. Cost: one ``solve_equivariant_basis`` per
distinct pair (a disk-cache read when warm).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import torch

from symc.ir import DualRep, GroupFactor, GroupSpec, Irrep, MultipleRep, ProductRep, RepExpr, SumRep, TensorRep
from symc.solvers.result import Certificate

CLOSED_FORM = "closed form"
FROM_CACHE = "cache"
SOLVED = "solved"


@dataclass(frozen=True)
class SolvedMap:
    """``basis (k, dim_out, dim_in)`` float64, orthonormal; ``source`` is "cache", "solved" or "closed form";
    ``certificate`` is None for closed forms."""

    rep_in: RepExpr
    rep_out: RepExpr
    basis: torch.Tensor
    source: str
    certificate: Certificate | None = None

    @property
    def dim(self) -> int:
        return self.basis.shape[0]


@dataclass(frozen=True)
class SolvedModel:
    """The solved maps of one model, in the order they were first needed."""

    spec_hash: str
    maps: tuple[SolvedMap, ...] = ()

    def map(self, rep_in: RepExpr, rep_out: RepExpr) -> SolvedMap | None:
        """The solved ``rep_in -> rep_out`` map, or None when this model did not need it."""
        return self._by_pair.get((rep_in, rep_out))

    @cached_property
    def _by_pair(self) -> dict[tuple[RepExpr, RepExpr], SolvedMap]:
        return {(m.rep_in, m.rep_out): m for m in self.maps}

    def certificates(self) -> list[dict]:
        """One row per solved (not closed-form) map: reps, dimension, source and certificate."""
        return [
            {
                "rep_in": str(m.rep_in),
                "rep_out": str(m.rep_out),
                "dim": m.dim,
                "source": m.source,
                "certificate": m.certificate.to_dict(),
            }
            for m in self.maps
            if m.certificate is not None
        ]


def is_trivial(rep: RepExpr) -> bool:
    """True for reps on which every group element acts as the identity (``T(0)``, ``0e``, products of them)."""
    if isinstance(rep, TensorRep):
        return rep.k == 0 and rep.l == 0
    if isinstance(rep, Irrep):
        return rep.l == 0 and rep.parity == 1
    if isinstance(rep, DualRep):
        return is_trivial(rep.base)
    if isinstance(rep, (ProductRep, SumRep)):
        terms = rep.factors if isinstance(rep, ProductRep) else rep.terms
        return all(is_trivial(t) for t in terms)
    if isinstance(rep, MultipleRep):
        return is_trivial(rep.base)
    return False


def solve_map(factor: GroupFactor | None, rep_in: RepExpr, rep_out: RepExpr, group=None) -> SolvedMap:
    """One map over the geometric ``factor`` (None: only scalar -> scalar exists). ``group`` is the catalogue
    group of ``factor`` when the caller has it already."""
    if is_trivial(rep_in) and is_trivial(rep_out):
        return SolvedMap(rep_in, rep_out, torch.ones(1, 1, 1, dtype=torch.float64), CLOSED_FORM)
    if factor is None:
        raise ValueError(f"no geometric group factor to act on '{rep_in}' -> '{rep_out}'")
    from symc.groups import group as catalogue_group
    from symc.groups import rep
    from symc.solvers.equivariant import solve_equivariant_basis

    G = group if group is not None else catalogue_group(GroupSpec((factor,)))
    solved = solve_equivariant_basis(G, rep(rep_in, G), rep(rep_out, G))
    source = FROM_CACHE if solved.from_cache else SOLVED
    return SolvedMap(rep_in, rep_out, solved.basis.to(torch.float64), source, solved.certificate)


def solve_maps(
    factor: GroupFactor | None, pairs: Iterable[tuple[RepExpr, RepExpr]], spec_hash: str = ""
) -> SolvedModel:
    """Every distinct pair of ``pairs`` solved once, in first-seen order."""
    from symc.groups import group as catalogue_group

    G = None if factor is None else catalogue_group(GroupSpec((factor,)))
    solved: dict[tuple[RepExpr, RepExpr], SolvedMap] = {}
    for pair in pairs:
        if pair not in solved:
            solved[pair] = solve_map(factor, *pair, group=G)
    return SolvedModel(spec_hash, tuple(solved.values()))
