"""What ``method attributes`` asks of a spec beyond its ``Accepts`` (torch-free: the frontend reads it)."""

from __future__ import annotations

from symc.errors import SymcError
from symc.ir import (
    Irrep,
    ModelSpec,
    Orientation,
    Point,
    RepExpr,
    RotationFrame,
    TensorRep,
    rep_atoms,
)
from symc.methods.record import KnobChoices

KNOB_CHOICES = (KnobChoices("readout", ("sum", "mean"), "max does not commute with vector outputs"),)
# What an input atom may be (symc.methods.attributes.fields turns each into a slot).
INPUT_ATOMS = (Point(), Orientation(), RotationFrame(), Irrep(0, 1), TensorRep(0), Irrep(1, -1), TensorRep(1))
SCALARS = (Irrep(0, 1), TensorRep(0))
GRID_DIMENSIONS = (2, 3)  # orientation grids on S^1 and S^2


def judge(spec: ModelSpec) -> None:
    """Raise one located ``SymcError`` where a ``method attributes`` spec cannot be built."""
    arch = spec.architecture
    if arch.hidden is not None and not isinstance(arch.hidden, int):
        raise SymcError(
            "method attributes takes a width as `hidden` (its features are invariant)",
            arch.loc_of("hidden") or spec.loc,
            "write e.g. `hidden 64`",
        )
    edges = spec.locality.get("edges")  # a graph locality's per-pair adjacency is read by the locality
    for field in spec.inputs + spec.outputs:
        if field.order == 2 and not (field in spec.inputs and edges is not None and field.name == str(edges)):
            raise SymcError(
                f"method attributes takes global and per-point fields; '{field.name}' is per pair",
                field.loc,
                "pair features are the invariants symc derives from the positions; drop the per-pair field",
            )
    for field in spec.inputs:
        if edges is not None and field.name == str(edges):
            bad = next((a for a, _ in rep_atoms(field.rep) if a not in SCALARS), None)
            if bad is not None:
                raise SymcError(
                    f"the edges field '{field.name}' must be scalars (0e, T(0)); it contains {bad}",
                    field.loc,
                    "the graph's channels are invariant edge attributes, e.g. 'bonds: 2x0e per pair'",
                )
    frames = 0
    for field in spec.inputs:
        for atom, copies in rep_atoms(field.rep):
            if atom not in INPUT_ATOMS:
                raise SymcError(
                    f"method attributes cannot use {atom} in input '{field.name}'",
                    field.loc,
                    "attributes inputs are built from point, orientation, frame, scalars (0e, T(0)) and vectors "
                    "(1o, T(1))",
                )
            if atom == RotationFrame():
                frames += copies
                if field.order != 1 or frames > 1:
                    raise SymcError(
                        "method attributes uses one per-point frame field"
                        + ("" if field.order == 1 else f"; '{field.name}' is global"),
                        field.loc,
                        "give one `frame per point` input (the frame of each point)",
                    )
    grid = spec.method.get("orientations")
    if grid is not None:
        data = next((f for f in spec.inputs if f.order == 1 and _has_data_orientations(f.rep)), None)
        if data is not None:
            raise SymcError(
                f"orientations come from the data here ('{data.name}'), so a grid of orientations is not used",
                spec.method.loc,
                "drop `orientations = N`, or drop the per-point orientation/frame input",
            )
        d = spec.group.geometric_factors[0].args[0]
        if d not in GRID_DIMENSIONS:
            raise SymcError(
                f"orientation grids exist on S^1 and S^2, not in d = {d}",
                spec.method.loc,
                "drop `orientations = N` (positions alone give the distance attributes)",
            )


def _has_data_orientations(rep: RepExpr) -> bool:
    return any(atom in (Orientation(), RotationFrame()) for atom, _ in rep_atoms(rep))
