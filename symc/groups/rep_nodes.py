"""Realised representations: a small tree of nodes whose structure solvers can read.

Leaves: ``Trivial``, ``Defining`` (V; the linear part for affine groups, the permutation rep for S(n)),
``PointRep`` (the homogeneous rep ``g`` itself, dim d+1 for affine groups although a point *field* has d
entries), ``O3Irrep``. Inner nodes: ``Dual``, ``DirectSum`` (``terms``), ``TensorProductRep`` (``factors``,
V factors first, row-major Kronecker flattening) and ``FactorRep`` (a rep of one factor of a product group).

Every node offers dense matrices ``rho(g)``/``drho(A)`` ``(batch, dim, dim)`` and structured products
``rho_apply(g, x)``/``drho_apply(A, x)`` for ``x (batch, dim, m)``; for a tensor product of factors with
dims d_1..d_k the structured product costs O(dim · m · Σ d_i) instead of O(dim² · m).

Duality is threaded through as a flag rather than materialised: ``ρ*(g) = ρ(g)^{-T}``, ``dρ*(A) = −dρ(A)ᵀ``,
and the dual of a sum/product is the sum/product of the duals, so ``T(k,l)`` never inverts a big matrix.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import torch

from symc.groups.matrix_group import MatrixGroup, ProductGroup
from symc.so3.wigner import wigner_D, wigner_D_algebra

Element = torch.Tensor | tuple[torch.Tensor, ...]


def _leading(g: Element) -> torch.Tensor:
    return g[0] if isinstance(g, tuple) else g


def _kron(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Batched row-major Kronecker product ``(batch, p, q) ⊗ (batch, r, s) → (batch, p·r, q·s)``."""
    batch, p, q = a.shape
    _, r, s = b.shape
    return torch.einsum("bij,bkl->bikjl", a, b).reshape(batch, p * r, q * s)


def _eye_like(reference: torch.Tensor, size: int) -> torch.Tensor:
    eye = torch.eye(size, dtype=reference.dtype, device=reference.device)
    return eye.expand(reference.shape[0], size, size)


def _dual_matrix(m: torch.Tensor) -> torch.Tensor:
    return torch.linalg.inv(m).mT


@dataclass(frozen=True, eq=False, kw_only=True)
class Rep(ABC):
    """Base node. ``text`` is the canonical text (as the IR prints it); equality is (text, group name)."""

    group: MatrixGroup | ProductGroup = field(repr=False)
    dim: int
    text: str

    def rho(self, g: Element) -> torch.Tensor:
        """Dense representation matrices ``(batch, dim, dim)`` for elements ``g`` from ``group.sample``."""
        return self.matrix(g, dual=False)

    __call__ = rho

    def drho(self, A: Element) -> torch.Tensor:
        """Dense Lie-algebra action ``(batch, dim, dim)`` for algebra elements ``A (batch, s, s)``."""
        return self.algebra_matrix(A, dual=False)

    def rho_apply(self, g: Element, x: torch.Tensor) -> torch.Tensor:
        """``rho(g) @ x`` for ``x (batch, dim, m)`` without materialising Kronecker products."""
        return self.apply(g, x, dual=False)

    def drho_apply(self, A: Element, x: torch.Tensor) -> torch.Tensor:
        """``drho(A) @ x`` for ``x (batch, dim, m)`` (Leibniz rule over tensor factors, never materialised)."""
        return self.algebra_apply(A, x, dual=False)

    @property
    @abstractmethod
    def is_trivial(self) -> bool:
        """Whether every group element acts as the identity."""

    @abstractmethod
    def matrix(self, g: Element, dual: bool) -> torch.Tensor:
        """``rho(g)`` ``(batch, dim, dim)``, or of the dual rep when ``dual``."""

    @abstractmethod
    def algebra_matrix(self, A: Element, dual: bool) -> torch.Tensor:
        """``drho(A)`` ``(batch, dim, dim)``, or of the dual rep when ``dual``."""

    def apply(self, g: Element, x: torch.Tensor, dual: bool) -> torch.Tensor:
        return self.matrix(g, dual) @ x

    def algebra_apply(self, A: Element, x: torch.Tensor, dual: bool) -> torch.Tensor:
        return self.algebra_matrix(A, dual) @ x

    def __str__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Rep) and (self.text, self.group.name) == (other.text, other.group.name)

    def __hash__(self) -> int:
        return hash((self.text, self.group.name))


@dataclass(frozen=True, eq=False, kw_only=True)
class Trivial(Rep):
    """The one-dimensional trivial representation."""

    @property
    def is_trivial(self) -> bool:
        return True

    def matrix(self, g: Element, dual: bool) -> torch.Tensor:
        ref = _leading(g)
        return torch.ones(ref.shape[0], 1, 1, dtype=ref.dtype, device=ref.device)

    def algebra_matrix(self, A: Element, dual: bool) -> torch.Tensor:
        ref = _leading(A)
        return torch.zeros(ref.shape[0], 1, 1, dtype=ref.dtype, device=ref.device)

    def apply(self, g: Element, x: torch.Tensor, dual: bool) -> torch.Tensor:
        return x

    def algebra_apply(self, A: Element, x: torch.Tensor, dual: bool) -> torch.Tensor:
        return torch.zeros_like(x)


@dataclass(frozen=True, eq=False, kw_only=True)
class Defining(Rep):
    """V: the linear part ``A`` of each element (``T(1)``; also ``orientation``, which transforms alike)."""

    group: MatrixGroup = field(repr=False)

    @property
    def is_trivial(self) -> bool:
        linear = self.group.linear_part
        eye = torch.eye(self.dim, dtype=torch.float64)
        fixed_by_generators = torch.all(linear(self.group.discrete_generators) == eye)
        return bool(fixed_by_generators and torch.all(linear(self.group.lie_generators) == 0))

    def matrix(self, g: Element, dual: bool) -> torch.Tensor:
        a = self.group.linear_part(g)
        return _dual_matrix(a) if dual else a

    def algebra_matrix(self, A: Element, dual: bool) -> torch.Tensor:
        a = self.group.linear_part(A)
        return -a.mT if dual else a


@dataclass(frozen=True, eq=False, kw_only=True)
class PointRep(Rep):
    """The homogeneous rep ``g`` itself: dim d+1 for affine groups (a point field has d entries, ``A x + t``)."""

    group: MatrixGroup = field(repr=False)

    @property
    def is_trivial(self) -> bool:
        return False

    def matrix(self, g: Element, dual: bool) -> torch.Tensor:
        return _dual_matrix(g) if dual else g

    def algebra_matrix(self, A: Element, dual: bool) -> torch.Tensor:
        return -A.mT if dual else A


@dataclass(frozen=True, eq=False, kw_only=True)
class O3Irrep(Rep):
    """Real O(3) irrep ``l`` with parity ±1: ``ρ(g) = D^l(det(A)·A) · det(A)^{[parity odd]}``, A the linear part.

    Orthogonal, so it is its own dual.
    """

    group: MatrixGroup = field(repr=False)
    l: int
    parity: int

    @property
    def is_trivial(self) -> bool:
        if self.l > 0:
            return False
        if self.parity == 1:
            return True
        dets = torch.linalg.det(self.group.linear_part(self.group.discrete_generators))
        return bool(torch.all(dets > 0))

    def matrix(self, g: Element, dual: bool) -> torch.Tensor:
        a = self.group.linear_part(g)
        det = torch.linalg.det(a)
        d = wigner_D(self.l, a * det[:, None, None])
        return d * det[:, None, None] if self.parity == -1 else d

    def algebra_matrix(self, A: Element, dual: bool) -> torch.Tensor:
        return wigner_D_algebra(self.l, self.group.linear_part(A))


@dataclass(frozen=True, eq=False, kw_only=True)
class Dual(Rep):
    """``ρ*(g) = ρ(g)^{-T}``; ``base`` is the node it dualises."""

    base: Rep

    @property
    def is_trivial(self) -> bool:
        return self.base.is_trivial

    def matrix(self, g: Element, dual: bool) -> torch.Tensor:
        return self.base.matrix(g, not dual)

    def algebra_matrix(self, A: Element, dual: bool) -> torch.Tensor:
        return self.base.algebra_matrix(A, not dual)

    def apply(self, g: Element, x: torch.Tensor, dual: bool) -> torch.Tensor:
        return self.base.apply(g, x, not dual)

    def algebra_apply(self, A: Element, x: torch.Tensor, dual: bool) -> torch.Tensor:
        return self.base.algebra_apply(A, x, not dual)


@dataclass(frozen=True, eq=False, kw_only=True)
class DirectSum(Rep):
    """Block-diagonal sum of ``terms`` in order."""

    terms: tuple[Rep, ...]

    @property
    def is_trivial(self) -> bool:
        return all(t.is_trivial for t in self.terms)

    def _blocks(self, mats: list[torch.Tensor]) -> torch.Tensor:
        ref = mats[0]
        out = torch.zeros(ref.shape[0], self.dim, self.dim, dtype=ref.dtype, device=ref.device)
        start = 0
        for m in mats:
            size = m.shape[-1]
            out[:, start : start + size, start : start + size] = m
            start += size
        return out

    def matrix(self, g: Element, dual: bool) -> torch.Tensor:
        return self._blocks([t.matrix(g, dual) for t in self.terms])

    def algebra_matrix(self, A: Element, dual: bool) -> torch.Tensor:
        return self._blocks([t.algebra_matrix(A, dual) for t in self.terms])

    def _split(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return torch.split(x, [t.dim for t in self.terms], dim=1)

    def apply(self, g: Element, x: torch.Tensor, dual: bool) -> torch.Tensor:
        return torch.cat([t.apply(g, part, dual) for t, part in zip(self.terms, self._split(x), strict=True)], dim=1)

    def algebra_apply(self, A: Element, x: torch.Tensor, dual: bool) -> torch.Tensor:
        return torch.cat(
            [t.algebra_apply(A, part, dual) for t, part in zip(self.terms, self._split(x), strict=True)], dim=1
        )


@dataclass(frozen=True, eq=False, kw_only=True)
class TensorProductRep(Rep):
    """``factors[0] ⊗ factors[1] ⊗ …`` with row-major flattening (the first factor's index is slowest)."""

    factors: tuple[Rep, ...]

    @property
    def is_trivial(self) -> bool:
        return all(f.is_trivial for f in self.factors)

    def matrix(self, g: Element, dual: bool) -> torch.Tensor:
        out = self.factors[0].matrix(g, dual)
        for f in self.factors[1:]:
            out = _kron(out, f.matrix(g, dual))
        return out

    def algebra_matrix(self, A: Element, dual: bool) -> torch.Tensor:
        mats = [f.algebra_matrix(A, dual) for f in self.factors]
        total = None
        for i, m in enumerate(mats):
            left = _eye_like(m, _product(f.dim for f in self.factors[:i]))
            right = _eye_like(m, _product(f.dim for f in self.factors[i + 1 :]))
            term = _kron(_kron(left, m), right)
            total = term if total is None else total + term
        return total

    def _mode(self, i: int, x: torch.Tensor, act: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
        """Apply ``act`` to tensor mode ``i`` of ``x (batch, dim, m)`` viewed as ``(batch, d_1, …, d_k, m)``."""
        batch, _, m = x.shape
        dims = [f.dim for f in self.factors]
        before, size, after = _product(dims[:i]), dims[i], _product(dims[i + 1 :])
        moved = x.reshape(batch, before, size, after * m).transpose(1, 2).reshape(batch, size, before * after * m)
        done = act(moved)
        return done.reshape(batch, size, before, after * m).transpose(1, 2).reshape(batch, self.dim, m)

    def apply(self, g: Element, x: torch.Tensor, dual: bool) -> torch.Tensor:
        for i, f in enumerate(self.factors):
            x = self._mode(i, x, lambda part, f=f: f.apply(g, part, dual))
        return x

    def algebra_apply(self, A: Element, x: torch.Tensor, dual: bool) -> torch.Tensor:
        total = torch.zeros_like(x)
        for i, f in enumerate(self.factors):
            total = total + self._mode(i, x, lambda part, f=f: f.algebra_apply(A, part, dual))
        return total


@dataclass(frozen=True, eq=False, kw_only=True)
class FactorRep(Rep):
    """A rep ``base`` of factor ``index`` of a product group; the other factors act trivially."""

    group: ProductGroup = field(repr=False)
    index: int
    base: Rep

    @property
    def is_trivial(self) -> bool:
        return self.base.is_trivial

    def matrix(self, g: Element, dual: bool) -> torch.Tensor:
        return self.base.matrix(g[self.index], dual)

    def algebra_matrix(self, A: Element, dual: bool) -> torch.Tensor:
        return self.base.algebra_matrix(A[self.index], dual)

    def apply(self, g: Element, x: torch.Tensor, dual: bool) -> torch.Tensor:
        return self.base.apply(g[self.index], x, dual)

    def algebra_apply(self, A: Element, x: torch.Tensor, dual: bool) -> torch.Tensor:
        return self.base.algebra_apply(A[self.index], x, dual)


def _product(values: Iterable[int]) -> int:
    out = 1
    for v in values:
        out *= v
    return out
