"""Which (l1, l2 → l3) paths a tensor product has, and the unit layout (coefficients: ``routes.cg``).

A tensor product here maps ``c x U1`` and ``c2 x U2`` (c2 = 1 or c) to ``c x Uo``, channel by channel,
where the "units" ``U1, U2, Uo`` are irreps of multiplicity one each (e.g. ``0e + 1o + 2e``). Unit
tensors are in the unit layout: the irreps of the unit in order, ``2l+1`` components each.
"""

from __future__ import annotations

from dataclasses import dataclass

from symc.errors import SymcError
from symc.so3.irreps import Irrep, Irreps


@dataclass(frozen=True)
class Path:
    """Irreps ``i1`` of U1 and ``i2`` of U2 coupled into irrep ``i3`` of Uo."""

    i1: int
    i2: int
    i3: int


@dataclass(frozen=True)
class Units:
    """The channel count and the units of a channel-wise tensor product (see the module docstring)."""

    channels: int
    shared_second: bool  # the second operand has one channel, broadcast over the c channels
    unit1: tuple[Irrep, ...]
    unit2: tuple[Irrep, ...]
    unit_out: tuple[Irrep, ...]


def split_units(irreps1: Irreps, irreps2: Irreps, irreps_out: Irreps) -> Units:
    """Read the channel structure; one ``SymcError`` naming the operand when it is not channel-wise."""
    channels = _multiplicity(irreps1, "irreps1")
    second = _multiplicity(irreps2, "irreps2")
    out = _multiplicity(irreps_out, "irreps_out")
    if second not in (1, channels):
        raise SymcError(
            f"irreps2 = {irreps2} has multiplicity {second}, irreps1 = {irreps1} has {channels}",
            hint="the second operand has the same channels as the first, or one (broadcast, as for edge harmonics)",
        )
    if out != channels:
        raise SymcError(
            f"irreps_out = {irreps_out} has multiplicity {out}, but irreps1 = {irreps1} has {channels} channels",
            hint="the product is channel-wise; mix channels with a separate linear layer",
        )
    return Units(
        channels,
        second == 1 and channels > 1,
        tuple(b.irrep for b in irreps1),
        tuple(b.irrep for b in irreps2),
        tuple(b.irrep for b in irreps_out),
    )


def _multiplicity(irreps: Irreps, name: str) -> int:
    muls = {block.mul for block in irreps}
    if not irreps or len(muls) != 1 or 0 in muls:
        raise SymcError(
            f"{name} = {irreps} must list irreps that all have the same non-zero multiplicity",
            hint="write e.g. 16x0e + 16x1o + 16x2e (one channel count for every degree)",
        )
    return muls.pop()


def selection_paths(units: Units, even_only: bool) -> list[Path]:
    """All paths allowed by the triangle rule and parity (and ``l1+l2+l3`` even when ``even_only``)."""
    paths = []
    for i1, a in enumerate(units.unit1):
        for i2, b in enumerate(units.unit2):
            for i3, c in enumerate(units.unit_out):
                if abs(a.l - b.l) <= c.l <= a.l + b.l and a.p * b.p == c.p:
                    if not even_only or (a.l + b.l + c.l) % 2 == 0:
                        paths.append(Path(i1, i2, i3))
    return paths


def check_every_output_reached(units: Units, paths: list[Path], impl: str) -> None:
    """Refuse outputs that no path produces (they would be constant zero)."""
    reached = {p.i3 for p in paths}
    missing = [str(ir) for i, ir in enumerate(units.unit_out) if i not in reached]
    if missing:
        odd = impl == "gaunt"
        raise SymcError(
            f"no {impl} path produces output irreps {', '.join(missing)} from "
            f"{'+'.join(map(str, units.unit1))} ⊗ {'+'.join(map(str, units.unit2))}",
            hint=(
                "the Gaunt product only has paths with l1+l2+l3 even; use impl='cg' for the others, or add a "
                "second TensorProduct(impl='cg') for them and concatenate the outputs (docs/SO3.md)"
                if odd
                else "drop those outputs: the triangle rule |l1-l2| ≤ l3 ≤ l1+l2 and parity p1·p2 = p3 exclude them"
            ),
        )


def offsets(unit: tuple[Irrep, ...]) -> list[int]:
    out, start = [], 0
    for irrep in unit:
        out.append(start)
        start += irrep.dim
    return out


def unit_dim(unit: tuple[Irrep, ...]) -> int:
    return sum(irrep.dim for irrep in unit)
