"""Groups as data: a matrix group is its generators, a sampler and a few flags; products are tuples of them.

Elements of a ``MatrixGroup`` are ``(batch, s, s)`` tensors. Affine families (E, SE, T, Aff+) use
``s = d + 1`` and elements ``[[A, t], [0, 1]]``; everything else acts on R^d directly (``s = d``).
Elements of a ``ProductGroup`` are tuples with one such tensor per factor.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from symc.errors import SymcError
from symc.ir import GroupFactor

Sampler = Callable[[int, "torch.Generator | None"], torch.Tensor]
# Enumerating more elements than this is refused: exact averages over bigger groups are not what you want.
MAX_ENUMERATED = 100_000


@dataclass(frozen=True, eq=False)
class MatrixGroup:
    """One catalogue factor with concrete sizes. Equality and hashing go by ``name`` (and ``piecewise``)."""

    name: str
    factor: GroupFactor
    matrix_size: int
    linear_size: int
    discrete_generators: torch.Tensor  # (m, s, s) float64
    lie_generators: torch.Tensor  # (r, s, s) float64, a basis of the Lie algebra
    compact: bool
    affine: bool
    sampler: Sampler = field(repr=False)
    # Finite groups only: the exact order (computed on demand: n! is large) and an enumerator.
    order_fn: Callable[[], int] | None = field(default=None, repr=False)
    elements_fn: Callable[[], torch.Tensor] | None = field(default=None, repr=False)

    def __str__(self) -> str:
        return self.name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MatrixGroup) and (self.name, self.factor) == (other.name, other.factor)

    def __hash__(self) -> int:
        return hash((self.name, self.factor))

    @property
    def is_permutation(self) -> bool:
        return self.factor.is_permutation

    def sample(
        self,
        batch: int,
        generator: torch.Generator | None = None,
        dtype: torch.dtype = torch.float64,
        device: torch.device | str | None = None,
    ) -> torch.Tensor:
        """``batch`` random elements ``(batch, s, s)``; distributions in ``symc.groups.sampling``."""
        return self.sampler(batch, generator).to(dtype=dtype, device=device)

    def identity(
        self, batch: int, dtype: torch.dtype = torch.float64, device: torch.device | str | None = None
    ) -> torch.Tensor:
        """``(batch, s, s)`` identities."""
        eye = torch.eye(self.matrix_size, dtype=dtype, device=device)
        return eye.expand(batch, -1, -1).clone()

    def linear_part(self, g: torch.Tensor) -> torch.Tensor:
        """``A`` of ``g = [[A, t], [0, 1]]`` (``g`` itself for linear groups): ``(batch, d, d)``."""
        d = self.linear_size
        return g[..., :d, :d] if self.affine else g

    def translation_part(self, g: torch.Tensor) -> torch.Tensor:
        """``t`` of ``g = [[A, t], [0, 1]]``; zeros ``(batch, d)`` for linear groups."""
        d = self.linear_size
        if self.affine:
            return g[..., :d, d]
        return torch.zeros((*g.shape[:-2], d), dtype=g.dtype, device=g.device)

    def order(self) -> int | None:
        """Number of elements of a finite group, ``None`` for Lie groups."""
        return self.order_fn() if self.order_fn is not None else None

    def elements(self, dtype: torch.dtype = torch.float64, device: torch.device | str | None = None) -> torch.Tensor:
        """All elements ``(order, s, s)`` of a finite group, for exact averages (at most 100 000 of them)."""
        order = self.order()
        if self.elements_fn is None or order is None:
            raise SymcError(f"{self.name} is not finite; its elements cannot be listed", hint="use sample(batch)")
        if order > MAX_ENUMERATED:
            raise SymcError(
                f"{self.name} has {order} elements, too many to enumerate",
                hint=f"enumeration is limited to {MAX_ENUMERATED} elements; use sample(batch)",
            )
        return self.elements_fn().to(dtype=dtype, device=device)


@dataclass(frozen=True, eq=False)
class ProductGroup:
    """A direct product ``G1 x G2 x ...``; elements are tuples ``(g1, g2, ...)`` of per-factor tensors."""

    factors: tuple[MatrixGroup, ...]

    @property
    def name(self) -> str:
        return " x ".join(f.name for f in self.factors)

    @property
    def compact(self) -> bool:
        return all(f.compact for f in self.factors)

    def __str__(self) -> str:
        return self.name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ProductGroup) and self.factors == other.factors

    def __hash__(self) -> int:
        return hash(self.factors)

    def sample(
        self,
        batch: int,
        generator: torch.Generator | None = None,
        dtype: torch.dtype = torch.float64,
        device: torch.device | str | None = None,
    ) -> tuple[torch.Tensor, ...]:
        """Independent factor-wise samples: a tuple of ``(batch, s_i, s_i)``."""
        return tuple(f.sample(batch, generator, dtype=dtype, device=device) for f in self.factors)

    def identity(
        self, batch: int, dtype: torch.dtype = torch.float64, device: torch.device | str | None = None
    ) -> tuple[torch.Tensor, ...]:
        return tuple(f.identity(batch, dtype=dtype, device=device) for f in self.factors)

    def discrete_generators(self) -> tuple[torch.Tensor, ...]:
        """Every factor's discrete generators, padded with identities in the other factors.

        Returns a tuple of ``(M, s_i, s_i)`` with ``M`` the total number of discrete generators.
        """
        return self._padded(lambda f: f.discrete_generators, lambda f, count: f.identity(count))

    def lie_generators(self) -> tuple[torch.Tensor, ...]:
        """Every factor's Lie-algebra basis, padded with zeros in the other factors: tuple of ``(R, s_i, s_i)``."""
        return self._padded(
            lambda f: f.lie_generators,
            lambda f, count: torch.zeros(count, f.matrix_size, f.matrix_size, dtype=torch.float64),
        )

    def _padded(
        self,
        own: Callable[[MatrixGroup], torch.Tensor],
        filler: Callable[[MatrixGroup, int], torch.Tensor],
    ) -> tuple[torch.Tensor, ...]:
        counts = [own(f).shape[0] for f in self.factors]
        columns = []
        for i, f in enumerate(self.factors):
            blocks = [own(f) if j == i else filler(f, counts[j]) for j in range(len(self.factors))]
            columns.append(torch.cat(blocks, 0))
        return tuple(columns)


def enumerate_permutations(n: int) -> torch.Tensor:
    """All n! permutation matrices ``(n!, n, n)`` with ``P e_i = e_σ(i)``."""
    perms = torch.tensor(list(itertools.permutations(range(n))), dtype=torch.long)
    p = torch.zeros(perms.shape[0], n, n, dtype=torch.float64)
    p.scatter_(1, perms[:, None, :], 1.0)
    return p
