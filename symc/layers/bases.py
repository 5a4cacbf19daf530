"""Geometric equivariant bases for the blocks of a network, read from the model's solved IR.

A ``BasisProvider`` built on a ``SolvedModel`` (``symc.solvers.solved``) serves exactly the maps solved
ahead of the build and refuses any other (a planning bug, not a user error). Without one (layers used on
their own, e.g. ``symc.nn.EquivariantLinear``) it solves on first use and memoises, so the same pair of
single-copy reps is never solved twice; ``solved()`` is what it has served, for ``BasisModel.summary()``.
"""

from __future__ import annotations

from symc.ir import GroupFactor, GroupSpec, RepExpr
from symc.solvers.solved import CLOSED_FORM, FROM_CACHE, SOLVED, SolvedMap, SolvedModel, solve_map

BlockBasis = SolvedMap  # the name the layers use for one solved block map

__all__ = ["CLOSED_FORM", "FROM_CACHE", "SOLVED", "BasisProvider", "BlockBasis"]


class BasisProvider:
    """``rep_in -> rep_out`` bases over the geometric factor of a group (S(n) is handled in closed form)."""

    def __init__(self, geometric: GroupFactor | None, solved: SolvedModel | None = None) -> None:
        self.geometric = geometric
        self.frozen = solved is not None
        self._memo: dict[tuple[RepExpr, RepExpr], SolvedMap] = {}
        self.solved = solved
        self._group = None  # the catalogue group of ``geometric``, made on the first on-demand solve

    def basis(self, rep_in: RepExpr, rep_out: RepExpr) -> SolvedMap:
        key = (rep_in, rep_out)
        if key not in self._memo:
            found = self.solved.map(rep_in, rep_out) if self.solved is not None else None
            if found is None and self.frozen:
                raise RuntimeError(f"map {rep_in} -> {rep_out} was not solved ahead of the build (planning bug)")
            self._memo[key] = found if found is not None else self._solve(rep_in, rep_out)
        return self._memo[key]

    def _solve(self, rep_in: RepExpr, rep_out: RepExpr) -> SolvedMap:
        if self._group is None and self.geometric is not None:
            from symc.groups import group

            self._group = group(GroupSpec((self.geometric,)))
        return solve_map(self.geometric, rep_in, rep_out, group=self._group)

    def sources(self) -> list[SolvedMap]:
        """Every basis this provider served, in the order first asked for."""
        return list(self._memo.values())
