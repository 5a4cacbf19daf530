"""``Irreps``: a direct sum of O(3) irreps with multiplicities, in e3nn's notation (``2x0e + 1x1o``).

A tensor "in irreps ``R``" has last dimension ``R.dim`` and stores the blocks in order; block ``mul x l p``
holds ``mul`` copies of a ``2l+1`` vector, copy-major (``(mul, 2l+1)`` flattened), as e3nn does. The basis
of each copy is symc's real spherical-harmonic basis (``symc.so3.harmonics``); ``to_e3nn``/``from_e3nn``
apply the fixed change of basis to e3nn's. Parsing never allocates per-component memory, and degrees
above ``MAX_L`` are refused before any table is built.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import torch

from symc.errors import SymcError

MAX_L = 24  # highest degree symc builds tables for; (2·24+1)² Fourier grids stay small
_TERM = re.compile(r"^\s*(?:(\d+)\s*x\s*)?(\d+)\s*([eo])\s*$")


@dataclass(frozen=True, order=True)
class Irrep:
    """One O(3) irrep: degree ``l`` and parity ``p`` (+1 even ``e``, −1 odd ``o``)."""

    l: int
    p: int

    @property
    def dim(self) -> int:
        return 2 * self.l + 1

    def __str__(self) -> str:
        return f"{self.l}{'e' if self.p == 1 else 'o'}"


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

    Accepts a string, another ``Irreps``, or an iterable of ``(mul, (l, p))`` / ``MulIrrep``.
    """

    def __new__(cls, value: str | Irreps | list | tuple = ()) -> Irreps:
        if isinstance(value, Irreps):
            return value
        blocks = _parse(value) if isinstance(value, str) else [_block(item) for item in value]
        return super().__new__(cls, blocks)

    @classmethod
    def spherical_harmonics(cls, lmax: int, p: int = -1) -> Irreps:
        """``0e + 1o + 2e + …`` up to ``lmax`` (parity ``p^l``), the irreps of ``Y(x)`` for x a vector."""
        _check_degree(lmax, str(lmax))
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
        return Irreps(merged)

    def __add__(self, other: object) -> Irreps:
        return Irreps(list(self) + list(Irreps(other)))  # type: ignore[arg-type]

    def __str__(self) -> str:
        return "+".join(str(block) for block in self) if self else "0"

    def __repr__(self) -> str:
        return f"Irreps('{self}')"

    def representation(self, g: torch.Tensor) -> torch.Tensor:
        """Block-diagonal matrices ``(..., dim, dim)`` of O(3) elements ``g (..., 3, 3)`` on this layout.

        Irrep ``l p`` maps to ``D^l(det(g)·g) · det(g)^{[p odd]}`` (the convention of ``symc.rep``).
        Cost O(Σ mul · (2l+1)²) per element after the Wigner matrices.
        """
        from symc.so3.wigner import wigner_D

        det = torch.linalg.det(g)
        rotation = g * det[..., None, None]
        out = g.new_zeros(*g.shape[:-2], self.dim, self.dim)
        for block, part in zip(self, self.slices(), strict=True):
            d = wigner_D(block.irrep.l, rotation)
            if block.irrep.p == -1:
                d = d * det[..., None, None]
            for copy in range(block.mul):
                start = part.start + copy * block.irrep.dim
                out[..., start : start + block.irrep.dim, start : start + block.irrep.dim] = d
        return out

    def check_tensor(self, x: torch.Tensor, name: str) -> None:
        """Raise a ``SymcError`` unless ``x (..., self.dim)``."""
        if x.dim() == 0 or x.shape[-1] != self.dim:
            raise SymcError(
                f"{name} has shape {tuple(x.shape)}, but irreps {self} need a last dimension of {self.dim}",
                hint=f"pass a tensor of shape (..., {self.dim})",
            )


def _parse(text: str) -> list[MulIrrep]:
    if not text.strip():
        return []
    blocks = []
    for term in text.split("+"):
        match = _TERM.match(term)
        if match is None:
            raise SymcError(
                f"cannot parse irreps term '{term.strip()}' in '{text}'",
                hint="write terms like 2x0e + 1x1o: a multiplicity ≥ 0, 'x', a degree ≥ 0 and parity e or o",
            )
        mul, degree, parity = match.groups()
        _check_degree(int(degree), text)
        blocks.append(MulIrrep(int(mul) if mul is not None else 1, Irrep(int(degree), 1 if parity == "e" else -1)))
    return blocks


def _block(item: object) -> MulIrrep:
    if isinstance(item, MulIrrep):
        _check_degree(item.irrep.l, str(item))
        return item
    try:
        mul, (degree, parity) = item  # type: ignore[misc]
    except (TypeError, ValueError):
        raise SymcError(f"cannot read irreps block {item!r}", hint="use (mul, (l, p)) pairs or a string") from None
    if not (isinstance(mul, int) and isinstance(degree, int) and mul >= 0 and parity in (1, -1)):
        raise SymcError(f"invalid irreps block {item!r}", hint="mul and l are integers ≥ 0 and p is +1 or -1")
    _check_degree(degree, str(item))
    return MulIrrep(mul, Irrep(degree, parity))


def _check_degree(l: int, text: str) -> None:
    if l < 0 or l > MAX_L:
        raise SymcError(
            f"degree l = {l} in '{text}' is outside the supported range 0..{MAX_L}",
            hint=f"symc builds tables for l ≤ {MAX_L}; lower the degree",
        )


def e3nn_basis_change(l: int) -> torch.Tensor:
    """``Q (2l+1, 2l+1)`` float64 with ``x_e3nn = Q x_symc`` for one irrep of degree ``l``.

    Both libraries use orthonormal real harmonics (e3nn with ``normalization='integral'``), the polar
    axis along y, m ordered −l..l with ``sin(|m|φ)`` for m < 0, and no Condon–Shortley phase, so Q is the
    identity; ``tests/test_irreps.py`` checks this against e3nn's harmonics and Wigner matrices. e3nn's
    default ``'component'`` harmonics are ``sqrt(4π)`` times these: a normalisation of the inputs that
    the user chooses, not a change of basis of the irreps.
    """
    _check_degree(l, str(l))
    return torch.eye(2 * l + 1, dtype=torch.float64)


def to_e3nn(x: torch.Tensor, irreps: Irreps | str) -> torch.Tensor:
    """Map ``x (..., irreps.dim)`` from symc's basis to e3nn's (same layout; per-irrep ``Q``, here the identity)."""
    return _change_basis(x, Irreps(irreps), transpose=False)


def from_e3nn(x: torch.Tensor, irreps: Irreps | str) -> torch.Tensor:
    """Inverse of ``to_e3nn``."""
    return _change_basis(x, Irreps(irreps), transpose=True)


def _change_basis(x: torch.Tensor, irreps: Irreps, transpose: bool) -> torch.Tensor:
    irreps.check_tensor(x, "input")
    parts = []
    for block, part in zip(irreps, irreps.slices(), strict=True):
        q = e3nn_basis_change(block.irrep.l).to(dtype=x.dtype, device=x.device)
        q = q.T if transpose else q
        chunk = x[..., part].reshape(*x.shape[:-1], block.mul, block.irrep.dim)
        parts.append((chunk @ q.T).reshape(*x.shape[:-1], block.dim))
    return torch.cat(parts, dim=-1) if parts else x.clone()
