"""Every per-family fact about the catalogue groups, in one table (torch-free).

Adding a group family means one ``GroupFamily`` entry here plus its generators and sampler in
``symc.groups.catalogue`` (``tests/test_groups.py`` checks that the two have the same keys and agree:
compact ⇔ sampled elements are orthogonal, affine ⇔ last row ``[0, …, 0, 1]``, matrix size).

Every layer asks this table instead of keeping its own sets: the frontend (arity, argument meaning,
examples, size limits, which reps exist), ``symc.ir.dims`` (sizes), the groups (irreps, affine linear
part), the solvers (quadrature), the layers (self-duality of V) and the methods (frame kinds).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

Args = tuple[int | str, ...]


def _first(args: Args) -> int:
    (size,) = args
    if isinstance(size, str):
        raise ValueError(f"symbolic size '{size}': the dimension is known only at run time")
    return int(size)


def _planar(args: Args) -> int:
    return 2


def _signature(args: Args) -> int:
    p, q = args
    return int(p) + int(q)


@dataclass(frozen=True)
class GroupFamily:
    """The facts about one family such as ``SO`` (``SO(d)``) or ``SO+`` (``SO+(1,q)``).

    ``defining_dim(args)`` is the size of V (the vectors it acts on; the linear part for affine families),
    ``matrix_size(args)`` the size of its group matrices (``d + 1`` for affine families).
    """

    name: str
    arity: int
    arguments: str  # what the arguments mean, for arity errors
    example: str  # a valid spelling, for hints
    defining_dim: Callable[[Args], int] = field(repr=False, compare=False)
    compact: bool = False
    affine: bool = False  # elements [[A, t], [0, 1]] of size d+1; V is the linear part A
    permutation: bool = False  # S(n): acts on the set axes, not on feature vectors
    finite: bool = False
    counts: bool = False  # the argument counts points or elements (S, C, D), not a matrix dimension
    symbolic_ok: bool = False  # the argument may be a symbol such as n
    linear_family: str | None = None  # affine families: the family of the linear part (T: none)
    irreps: str | None = None  # "o3" when d = 3: O(3) irreps lp on the rotation part
    rotations: bool = False  # has rotations, hence orientations and rotation frames
    self_dual: bool = False  # V ≅ V* (orthogonal, Euclidean, Lorentz, symplectic, planar)
    frame_kind: str | None = None  # method frames: rotation | orthogonal | translation | affine
    quadrature: str | None = None  # class-function quadrature: "finite" (exact) | "weyl" (maximal torus)
    piecewise: bool = False  # ``piecewise G`` is allowed (rigid motions per part)
    aliases: tuple[tuple[str, Args], ...] = ()  # other spellings: (name, args), e.g. Lorentz = SO+(1,3)

    def matrix_size(self, args: Args) -> int:
        return self.defining_dim(args) + (1 if self.affine else 0)

    def has_irreps(self, args: Args) -> bool:
        return self.irreps == "o3" and tuple(args) == (3,)


def _family(name: str, arguments: str, example: str, dim: Callable[[Args], int] = _first, **facts) -> GroupFamily:
    return GroupFamily(name, 2 if dim is _signature else 1, arguments, example, dim, **facts)


_D = "the dimension d"

FAMILIES: dict[str, GroupFamily] = {
    f.name: f
    for f in (
        _family("S", "the set size, an integer or a name such as n", "S(n)", compact=True, permutation=True,
                finite=True, counts=True, symbolic_ok=True, quadrature="finite"),
        _family("C", "the order k of the rotations of the plane", "C(4)", _planar, compact=True, finite=True,
                counts=True, rotations=True, self_dual=True, quadrature="finite"),
        _family("D", "the order k of the k-gon's symmetries", "D(6)", _planar, compact=True, finite=True,
                counts=True, rotations=True, self_dual=True, quadrature="finite"),
        _family("SO", _D, "SO(3)", compact=True, irreps="o3", rotations=True, self_dual=True,
                frame_kind="rotation", quadrature="weyl"),
        _family("O", _D, "O(3)", compact=True, irreps="o3", rotations=True, self_dual=True,
                frame_kind="orthogonal", quadrature="weyl"),
        _family("SE", _D, "SE(3)", affine=True, linear_family="SO", irreps="o3", rotations=True, self_dual=True,
                frame_kind="rotation", piecewise=True),
        _family("E", _D, "E(3)", affine=True, linear_family="O", irreps="o3", rotations=True, self_dual=True,
                frame_kind="orthogonal", piecewise=True),
        _family("T", _D, "T(3)", affine=True, self_dual=True, frame_kind="translation"),
        _family("GL+", _D, "GL+(3)", frame_kind="affine"),
        _family("SL", _D, "SL(3)", frame_kind="affine"),
        _family("Aff+", _D, "Aff+(3)", affine=True, linear_family="GL+", frame_kind="affine"),
        _family("SO+", "the signature (1, q)", "SO+(1,3)", _signature, self_dual=True,
                aliases=(("Lorentz", (1, 3)),)),
        _family("Sp", "the (even) matrix size 2d", "Sp(4)", self_dual=True),
    )
}  # fmt: skip

# Other spellings of a whole factor: name -> (family, args).
ALIASES: dict[str, tuple[str, Args]] = {alias: (f.name, args) for f in FAMILIES.values() for alias, args in f.aliases}


def family(name: str) -> GroupFamily:
    """The table entry of ``name``; ``KeyError`` for names that are not families."""
    return FAMILIES[name]


def families_where(predicate: Callable[[GroupFamily], object]) -> frozenset[str]:
    """The names of the families for which ``predicate`` holds (to derive the old per-layer sets)."""
    return frozenset(name for name, f in FAMILIES.items() if predicate(f))
