"""``Irreps``: a direct sum of O(3) irreps with multiplicities, in e3nn's notation (``2x0e + 1x1o``).

A tensor "in irreps ``R``" has last dimension ``R.dim`` and stores the blocks in order; block ``mul x l p``
holds ``mul`` copies of a ``2l+1`` vector, copy-major (``(mul, 2l+1)`` flattened), as e3nn does. The basis
of each copy is symc's real spherical-harmonic basis (``symc.so3.harmonics``); ``to_e3nn``/``from_e3nn``
apply the fixed change of basis to e3nn's. The value type and its text reading live in ``symc.ir.irreps``
(text goes through the spec grammar; this layer imports no frontend); degrees above ``MAX_L`` are refused
before any table is built.
"""

from __future__ import annotations

import torch

from symc.ir.irreps import MAX_L, MulIrrep, check_degree
from symc.ir.irreps import Irreps as IrrepsValue
from symc.ir.rep import Irrep

__all__ = ["MAX_L", "Irrep", "Irreps", "MulIrrep", "e3nn_basis_change", "from_e3nn", "to_e3nn"]


class Irreps(IrrepsValue):
    """``symc.ir.Irreps`` (the one irreps value: same parsing, layout and equality) plus O(3) numerics."""

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


def e3nn_basis_change(l: int) -> torch.Tensor:
    """``Q (2l+1, 2l+1)`` float64 with ``x_e3nn = Q x_symc`` for one irrep of degree ``l``.

    Both libraries use orthonormal real harmonics (e3nn with ``normalization='integral'``), the polar
    axis along y, m ordered −l..l with ``sin(|m|φ)`` for m < 0, and no Condon–Shortley phase, so Q is the
    identity; ``tests/test_irreps.py`` checks this against e3nn's harmonics and Wigner matrices. e3nn's
    default ``'component'`` harmonics are ``sqrt(4π)`` times these: a normalisation of the inputs that
    the user chooses, not a change of basis of the irreps.
    """
    check_degree(l, str(l))
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
