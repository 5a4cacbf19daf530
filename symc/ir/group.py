"""Group IR: a direct product of catalogue factors, each a family name plus integer/symbolic sizes."""

from __future__ import annotations

from dataclasses import dataclass, field

from symc.errors import SourceLocation

# family -> (number of arguments, canonical display). Arguments are ints or one symbolic size name.
GROUP_FAMILIES: dict[str, int] = {
    "S": 1,  # symmetric group on n points (n may be symbolic)
    "C": 1,  # cyclic rotations of R^2
    "D": 1,  # dihedral group of the k-gon in R^2
    "SO": 1,
    "O": 1,
    "SE": 1,
    "E": 1,
    "T": 1,  # translations of R^d
    "GL+": 1,
    "SL": 1,
    "Aff+": 1,  # R^d semidirect GL+(d)
    "SO+": 2,  # Lorentz group SO+(1,3), written with its signature
    "Sp": 1,  # Sp(2d), named by matrix size
}


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
        return self.family == "S"

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
