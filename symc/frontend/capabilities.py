"""What each method can deliver, as data, and the check that a model asks only for that.

A spec that names a method which cannot produce its outputs (or cannot run on its group) is
refused here with the field or statement at fault, before any solver or module is touched.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from symc.errors import SourceLocation, SymcError
from symc.ir import FieldSpec, GroupSpec, Irrep, ModelSpec, MultipleRep, Point, RepExpr, SumRep, TensorRep
from symc.ir.dims import AFFINE_FAMILIES

_SCALAR_VECTOR_POINT = frozenset({Irrep(0, 1), Irrep(1, -1), TensorRep(0), TensorRep(1), Point()})


@dataclass(frozen=True)
class Capability:
    """Limits of one method. ``None`` / ``False`` means "no limit of this kind"."""

    summary: str  # what the method handles, shown in hints
    families: frozenset[str] | None = None  # allowed families of the geometric factors
    dimension: int | None = None  # required d of the geometric factors
    max_geometric: int | None = None  # most geometric factors (besides S(n))
    piecewise: bool = False  # accepts a piecewise group
    irreps_fields: bool = False  # fields are sums of irreps (points allowed on affine groups)
    needs_point_input: bool = False  # a per-point `point` input (positions) is required
    outputs: frozenset[RepExpr] | None = None  # the only atoms outputs may be built from
    point_output_needs_set: bool = False  # a `point` output needs S(n) (points are centred by their centroid)


CAPABILITIES: dict[str, Capability] = {
    "basis": Capability(
        "any matrix group; point outputs only with an S(n) factor; no piecewise groups",
        point_output_needs_set=True,
    ),
    "frames": Capability(
        "SO(d), O(d), SE(d), E(d), T(d), GL+(d), SL(d), Aff+(d) and S(n) alone or as x S(n), "
        "including piecewise E(d)/SE(d)",
        families=frozenset({"SO", "O", "SE", "E", "T", "GL+", "SL", "Aff+"}),
        piecewise=True,
    ),
    "attributes": Capability(
        "E(d) or SE(d) (x S(n)) with a per-point `point` input, producing scalars, vectors and points",
        families=frozenset({"E", "SE"}),
        max_geometric=1,
        needs_point_input=True,
        outputs=_SCALAR_VECTOR_POINT,
    ),
    "tensor_product": Capability(
        "SO(3), O(3), SE(3) or E(3) (x S(n)) with fields written as irreps such as 0e + 1o + 2e",
        families=frozenset({"SO", "O", "SE", "E"}),
        dimension=3,
        max_geometric=1,
        irreps_fields=True,
    ),
}


def method_capability(spec: ModelSpec) -> tuple[str, Capability]:
    """The capability that governs ``spec``: ``soft`` inherits the one of its ``base`` method."""
    name = spec.method.name
    if name == "soft":
        name = str(spec.method.get("base", "basis"))
    return name, CAPABILITIES[name]


def check_capability(spec: ModelSpec, group_loc: SourceLocation | None) -> None:
    """Raise ``SymcError`` where ``spec`` asks its method for something it cannot give."""
    name, cap = method_capability(spec)
    method_loc = spec.method.loc
    what = f"method {spec.method.name}" + (f" (base {name})" if name != spec.method.name else "")
    _check_group(spec.group, cap, what, group_loc)
    if any(f.piecewise for f in spec.group.factors):
        if not cap.piecewise:
            raise SymcError(
                f"{what} cannot enforce a piecewise group", group_loc, "piecewise groups need method frames"
            )
        if not any(f.order >= 1 for f in spec.inputs):
            raise SymcError(
                "a piecewise group moves parts of a point set, but the model has no per-point input",
                group_loc,
                "declare the positions, e.g. `input pos: point per point`",
            )
    elif spec.method.get("labels") is not None or spec.method.get("parts") is not None:
        raise SymcError(
            "'labels' and 'parts' describe the partition of a piecewise group",
            method_loc,
            "write `group piecewise E(3)`, or drop them",
        )
    if cap.irreps_fields:
        affine = all(f.family in AFFINE_FAMILIES for f in spec.group.geometric_factors)
        for field in spec.inputs + spec.outputs:
            bad = next((a for a in _atoms(field.rep) if not (isinstance(a, Irrep) or (affine and a == Point()))), None)
            if bad is not None:
                raise SymcError(
                    f"{what} needs fields written as irreps; '{field.name}' contains {bad}",
                    field.loc,
                    "write tensors as irreps: T(0) → 0e, T(1) → 1o, T(2) → 0e + 1e + 2e",
                )
    if cap.needs_point_input and not any(f.order >= 1 and Point() in _atoms(f.rep) for f in spec.inputs):
        raise SymcError(
            f"{what} builds invariant attributes from positions, but no input is a per-point `point`",
            method_loc,
            "add e.g. `input pos: point per point`",
        )
    for field in spec.outputs:
        _check_output(field, spec.group, cap, what)


def _check_group(group: GroupSpec, cap: Capability, what: str, loc: SourceLocation | None) -> None:
    geometric = group.geometric_factors
    if cap.max_geometric is not None and len(geometric) > cap.max_geometric:
        raise SymcError(
            f"{what} supports one geometric group factor, got {group}", loc, f"{what} handles {cap.summary}"
        )
    for factor in geometric:
        wrong_family = cap.families is not None and factor.family not in cap.families
        wrong_dim = cap.dimension is not None and factor.args != (cap.dimension,)
        if wrong_family or wrong_dim:
            raise SymcError(f"{what} does not support {factor.name}", loc, f"{what} handles {cap.summary}")


def _check_output(field: FieldSpec, group: GroupSpec, cap: Capability, what: str) -> None:
    atoms = list(_atoms(field.rep))
    if cap.outputs is not None:
        bad = next((a for a in atoms if a not in cap.outputs), None)
        if bad is not None:
            raise SymcError(
                f"{what} cannot produce output '{field.name}': {bad} is not a scalar, vector or point",
                field.loc,
                f"{what} handles {cap.summary}; use basis or tensor_product for other outputs",
            )
    if cap.point_output_needs_set and Point() in atoms and group.permutation_factor is None:
        raise SymcError(
            f"{what} cannot output the point '{field.name}' without an S(n) factor",
            field.loc,
            "basis centres points by the centroid of a point set: add `x S(n)` to the group, or use frames",
        )


def _atoms(rep: RepExpr) -> Iterator[RepExpr]:
    """The terms of a sum of multiples; anything else (a product, a dual) is one opaque atom."""
    if isinstance(rep, SumRep):
        for term in rep.terms:
            yield from _atoms(term)
    elif isinstance(rep, MultipleRep):
        yield from _atoms(rep.base)
    else:
        yield rep
