"""The field contract of ``method attributes``: which channels of which field are positions, orientations,
frames, scalars or vectors, and the checks on what they hold (unit orientations, orthogonal frames). The
tensors themselves are read through ``symc.layers.contract``.

A field's representation is a sum of atoms; each atom becomes one ``Slot``:

| atom | kind | channels |
|---|---|---|
| `point` | point | d |
| `orientation` | orientation | d |
| `frame` | frame | d² (row-major) |
| `0e`, `T(0)` | scalar | 1 |
| `1o`, `T(1)` | vector | d |
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import torch
from torch import Tensor

from symc.errors import SymcError
from symc.ir import (
    FieldSpec,
    Irrep,
    Orientation,
    Point,
    RepExpr,
    RotationFrame,
    TensorRep,
    rep_atoms,
)

SCALARS = (Irrep(0, 1), TensorRep(0))
VECTORS = (Irrep(1, -1), TensorRep(1))


@dataclass(frozen=True)
class Slot:
    """One atom of one field: ``kind`` and its channels ``[offset, offset + width)`` on the field's last axis."""

    field: FieldSpec
    kind: str
    offset: int
    width: int

    def take(self, x: Tensor) -> Tensor:
        """The slot's channels of a field tensor; frames come back as ``(..., d, d)``."""
        part = x[..., self.offset : self.offset + self.width]
        if self.kind == "frame":
            d = round(self.width**0.5)
            return part.reshape(*part.shape[:-1], d, d)
        return part


def field_slots(field: FieldSpec, d: int) -> list[Slot]:
    """The slots of ``field`` in channel order; raises ``SymcError`` on an atom attributes cannot use."""
    slots, offset = [], 0
    for atom in _atoms(field.rep):
        kind, width = _kind(atom, field, d)
        slots.append(Slot(field, kind, offset, width))
        offset += width
    return slots


def _atoms(rep: RepExpr) -> Iterator[RepExpr]:
    for atom, copies in rep_atoms(rep):
        for _ in range(copies):
            yield atom


def _kind(atom: RepExpr, field: FieldSpec, d: int) -> tuple[str, int]:
    if atom == Point():
        return "point", d
    if atom == Orientation():
        return "orientation", d
    if atom == RotationFrame():
        return "frame", d * d
    if atom in SCALARS:
        return "scalar", 1
    if atom in VECTORS:
        return "vector", d
    raise SymcError(
        f"method attributes cannot use {atom} in field '{field.name}'",
        location=field.loc,
        hint="attributes fields are built from point, orientation, frame, scalars (0e, T(0)) and vectors (1o, T(1))",
    )


def unit_orientations(ori: Tensor, field: FieldSpec) -> Tensor:
    """Normalise orientations to unit length; a zero orientation has no direction and is an error."""
    norm = ori.norm(dim=-1, keepdim=True)
    if bool((norm <= torch.finfo(ori.dtype).eps).any()):
        raise SymcError(
            f"field '{field.name}' has a zero orientation, which has no direction",
            location=field.loc,
            hint="orientations are unit vectors (they are normalised); drop or repair the point",
        )
    return ori / norm


def check_frames(frames: Tensor, field: FieldSpec) -> None:
    """Frames must be orthogonal matrices (``RᵀR = I`` to a dtype-dependent tolerance)."""
    eye = torch.eye(frames.shape[-1], dtype=frames.dtype, device=frames.device)
    residual = (frames.transpose(-1, -2) @ frames - eye).abs().amax() if frames.numel() else frames.new_zeros(())
    tolerance = 1e-6 if frames.dtype == torch.float64 else 1e-3
    if float(residual) > tolerance:
        raise SymcError(
            f"field '{field.name}' holds frames that are not orthogonal (max |RᵀR − I| = {float(residual):.2e})",
            location=field.loc,
            hint="frames are rotation matrices with the axes as columns, flattened row-major",
        )
