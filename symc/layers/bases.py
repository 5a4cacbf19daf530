"""Geometric equivariant bases for the blocks of a network, solved once per distinct (rep_in, rep_out).

The solver (``symc.solvers.solve_equivariant_basis``) keeps its own disk cache; this provider adds an
in-memory memo for one build, so the same pair of single-copy reps is never solved twice, and records
where each basis came from for ``BasisModel.summary()``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from symc.errors import SymcError
from symc.ir import GroupFactor, GroupSpec, RepExpr
from symc.layers.blocks import is_trivial

CLOSED_FORM = "closed form"
FROM_CACHE = "cache"
SOLVED = "solved"


@dataclass(frozen=True)
class BlockBasis:
    """``basis (k, dim_out, dim_in)`` float64, orthonormal; ``source`` is "cache", "solved" or "closed form"."""

    rep_in: RepExpr
    rep_out: RepExpr
    basis: torch.Tensor
    source: str

    @property
    def dim(self) -> int:
        return self.basis.shape[0]


class BasisProvider:
    """Solves ``rep_in -> rep_out`` bases over the geometric factor of a group (S(n) is handled in closed form)."""

    def __init__(self, geometric: GroupFactor | None) -> None:
        self.geometric = geometric
        self._group = None
        self._memo: dict[tuple[RepExpr, RepExpr], BlockBasis] = {}

    def basis(self, rep_in: RepExpr, rep_out: RepExpr) -> BlockBasis:
        key = (rep_in, rep_out)
        if key not in self._memo:
            self._memo[key] = self._solve(rep_in, rep_out)
        return self._memo[key]

    def _solve(self, rep_in: RepExpr, rep_out: RepExpr) -> BlockBasis:
        if is_trivial(rep_in) and is_trivial(rep_out):
            return BlockBasis(rep_in, rep_out, torch.ones(1, 1, 1, dtype=torch.float64), CLOSED_FORM)
        if self.geometric is None:
            raise SymcError(f"no geometric group factor to act on '{rep_in}' -> '{rep_out}'")
        from symc.groups import group, rep
        from symc.solvers import solve_equivariant_basis

        if self._group is None:
            self._group = group(GroupSpec((self.geometric,)))
        solved = solve_equivariant_basis(self._group, rep(rep_in, self._group), rep(rep_out, self._group))
        basis = solved.basis.to(torch.float64)
        return BlockBasis(rep_in, rep_out, basis, FROM_CACHE if solved.from_cache else SOLVED)

    def sources(self) -> list[BlockBasis]:
        """Every basis this provider produced, in the order first asked for."""
        return list(self._memo.values())
