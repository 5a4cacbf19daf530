"""What ``method tensor_product`` asks of a spec beyond its ``Accepts`` (torch-free: the frontend reads it).

The record's ``Accepts`` already holds the groups (SO(3), O(3), SE(3), E(3), x S(n)) and that fields are sums of
irreps (points allowed on affine groups). Here: the one position input, per-point features, scalar global
outputs, and irreps of natural parity (-1)^l up to ``lmax`` (the node features carry only those).
"""

from __future__ import annotations

from symc.errors import SymcError
from symc.ir import FieldSpec, Irrep, ModelSpec, MultipleRep, Point, RepExpr, rep_atoms
from symc.ir.irreps import MAX_L

DEFAULT_LMAX = 2
FORCES = (Irrep(1, -1), MultipleRep(1, Irrep(1, -1)))  # a per-point 1o next to a global energy: -dE/dpos


def judge(spec: ModelSpec) -> None:
    """Raise one located ``SymcError`` where a ``method tensor_product`` spec cannot be built."""
    points = [f for f in spec.inputs if isinstance(f.rep, Point) and f.order == 1]
    if len(points) != 1:
        raise SymcError(
            "method tensor_product needs exactly one per-point 'point' input (the positions)",
            points[1].loc if len(points) > 1 else spec.loc,
            "add e.g. 'input pos: point per point' (group E(3) x S(n) or SE(3) x S(n))",
        )
    position = points[0]
    lmax = int(spec.method.get("lmax", DEFAULT_LMAX))
    if lmax > MAX_L:
        raise SymcError(
            f"lmax = {lmax} is past the highest degree symc builds tables for ({MAX_L})",
            spec.method.loc,
            f"use lmax ≤ {MAX_L} (lmax = 2 or 3 is typical)",
        )
    edges = spec.locality.get("edges")  # a graph locality's per-pair adjacency is read by the locality
    for field in spec.inputs:
        if edges is not None and field.name == str(edges):
            bad = next((a for a in _irreps(field.rep) if a != Irrep(0, 1)), None)
            if bad is not None:
                raise SymcError(
                    f"the edges field '{field.name}' must be scalars (k x 0e); it contains {bad}",
                    field.loc,
                    "the graph's channels are invariant edge attributes, e.g. 'bonds: 2x0e per pair'",
                )
            continue
        if field is position:
            continue
        _no_points(field)
        if field.order != 1:
            raise SymcError(
                f"method tensor_product takes per-point features; input '{field.name}' is "
                f"{'global' if field.order == 0 else 'per pair'}",
                field.loc,
                "write 'per point' (a global feature can be repeated on every point)",
            )
        _natural(field, lmax)
    energies = [f for f in spec.outputs if f.order == 0]
    for field in spec.outputs:
        _no_points(field)
        if field.order == 2:
            raise SymcError(
                f"method tensor_product produces per-point and global outputs; '{field.name}' is per pair",
                field.loc,
                "write 'per point' or 'global'",
            )
        if field.order == 0:
            bad = next((a for a in _irreps(field.rep) if a != Irrep(0, 1)), None)
            if bad is not None:
                raise SymcError(
                    f"global output '{field.name}' must be scalars (k x 0e); it contains {bad}",
                    field.loc,
                    "e.g. energy: 0e global; equivariant outputs are per point",
                )
        elif not (energies and field.rep in FORCES):
            _natural(field, lmax)


def _no_points(field: FieldSpec) -> None:
    if any(a == Point() for a in _irreps(field.rep)):
        raise SymcError(
            f"method tensor_product reads one `point` (the positions); '{field.name}' is another point field",
            field.loc,
            "give it as irreps (a displacement is 1o), or make it the only `input pos: point per point`",
        )


def _natural(field: FieldSpec, lmax: int) -> None:
    for irrep in _irreps(field.rep):
        if isinstance(irrep, Irrep) and (irrep.parity != (-1) ** irrep.l or irrep.l > lmax):
            raise SymcError(
                f"field '{field.name}' has irrep {irrep}; method tensor_product carries irreps of parity (-1)^l "
                f"up to lmax = {lmax}",
                field.loc,
                "use 0e, 1o, 2e, … up to lmax, or raise lmax (e.g. tensor_product(lmax = 2))",
            )


def _irreps(rep: RepExpr) -> list[RepExpr]:
    """The atoms of a sum of multiples (the record's ``Accepts`` made them irreps or points)."""
    return [atom for atom, _ in rep_atoms(rep)]
