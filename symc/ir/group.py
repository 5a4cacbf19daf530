"""Group IR: a direct product of catalogue factors, each a family name plus integer/symbolic sizes."""

from __future__ import annotations

from dataclasses import dataclass, field

from symc.errors import SourceLocation
from symc.ir.families import FAMILIES

# family -> number of arguments (ints or one symbolic size name); derived from ``symc.ir.families``.
GROUP_FAMILIES: dict[str, int] = {name: f.arity for name, f in FAMILIES.items()}


@dataclass(frozen=True)
class GroupFactor:
    """One factor such as ``SO(3)``, ``S(n)``, ``SO+(1,3)`` or ``piecewise E(3)``."""

    family: str
    args: tuple[int | str, ...]
    piecewise: bool = False
    loc: SourceLocation | None = field(default=None, compare=False, hash=False, repr=False)

    def __str__(self) -> str:
        inner = ",".join(str(a) for a in self.args)
        prefix = "piecewise " if self.piecewise else ""
        return f"{prefix}{self.family}({inner})"

    @property
    def is_permutation(self) -> bool:
        return FAMILIES[self.family].permutation if self.family in FAMILIES else False

    @property
    def is_symbolic(self) -> bool:
        return any(isinstance(a, str) for a in self.args)

    @property
    def name(self) -> str:
        """Canonical name without the ``piecewise`` prefix, as ``symc.group`` accepts it."""
        return f"{self.family}({','.join(str(a) for a in self.args)})"


@dataclass(frozen=True)
class GroupSpec:
    """A direct product ``G1 x G2 x ...``; a single group has one factor."""

    factors: tuple[GroupFactor, ...]

    def __str__(self) -> str:
        return " x ".join(str(f) for f in self.factors)

    @property
    def permutation_factor(self) -> GroupFactor | None:
        return next((f for f in self.factors if f.is_permutation), None)

    @property
    def geometric_factors(self) -> tuple[GroupFactor, ...]:
        """The factors that act on a field's feature vector (every factor but S(n))."""
        return tuple(f for f in self.factors if not f.is_permutation)
