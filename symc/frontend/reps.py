"""Lowering representation expressions (``3x T(1) + 1o * dual(T(1))``) and checking them against a group.

Checks happen node by node while lowering, so each error points at the offending atom; the size of
the whole expression is computed afterwards in plain integers (``symc.ir.dims``), before anything
is allocated.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

from lark import Token, Tree

from symc.errors import SourceLocation, SymcError
from symc.frontend.numbers import to_int
from symc.frontend.source import SourceText
from symc.frontend.tables import MAX_MULTIPLICITY, MAX_REP_DIM
from symc.ir import (
    DualRep,
    GroupFactor,
    GroupSpec,
    Irrep,
    MultipleRep,
    Orientation,
    Point,
    ProductRep,
    RepExpr,
    RotationFrame,
    SumRep,
    TensorRep,
)
from symc.ir.dims import AFFINE_FAMILIES, carries_o3_irreps, defining_dim, rep_dim
from symc.ir.families import families_where
from symc.ir.irreps import Irreps
from symc.ir.suggest import did_you_mean

NAMED_REPS: dict[str, Callable[[], RepExpr]] = {
    "point": Point,
    "orientation": Orientation,
    "frame": RotationFrame,
    "scalar": lambda: TensorRep(0),
    "vector": lambda: TensorRep(1),
}
REP_CALLS = ("T", "dual")
# Families with rotations, hence unit vectors (orientations) and rotation frames.
ROTATION_LIKE_FAMILIES = families_where(lambda f: f.rotations)
# Past this tensor order, d^(k+l) exceeds any sane size for every d >= 2; computing it is skipped.
_MAX_TENSOR_ORDER = 64


def lower_rep(node: Tree | Token, source: SourceText, group: GroupSpec | None = None, order: int = 0) -> RepExpr:
    """Expression tree → ``RepExpr``; with a ``group``, also check it exists and is not absurdly large.

    ``order`` is the indexing of the field it belongs to (0 global, 1 per point, 2 per pair).
    """
    rep = _RepLowering(source, group, order).lower(node, inside=None)
    if group is not None:
        check_rep_size(rep, group, source.of(node))
    return rep


def parse_irreps(text: str) -> Irreps:
    """Irreps text (``"2x0e + 1x1o"``, zero multiplicities allowed) → ``ir.Irreps``, through the spec grammar.

    The reader behind ``symc.so3.Irreps(text)`` and ``symc.nn.TensorProduct("0e+1o", ...)``.
    """
    from symc.frontend.syntax import parse_tree

    source = SourceText(text, "<irreps>")
    try:
        node = parse_tree(source, "rep_only").children[0]
        return Irreps(_RepLowering(source, None, 0, zero_multiplicity=True).lower(node, inside=None))
    except SymcError as error:
        if "outside the supported range" in error.message:
            raise
        suggestion = f"{error.hint.split('?')[0]}? " if error.hint and error.hint.startswith("did you mean") else ""
        raise SymcError(
            f"cannot parse irreps term in '{text}': {error.message}",
            error.location,
            suggestion + "write terms like 2x0e + 1x1o: a multiplicity ≥ 0, 'x', a degree ≥ 0 and parity e or o",
        ) from None


def check_rep_size(rep: RepExpr, group: GroupSpec, loc: SourceLocation) -> None:
    """Refuse a representation whose dimension exceeds ``MAX_REP_DIM`` (exact integer arithmetic)."""
    dim = 1
    for factor in _dimension_factors(group):
        if defining_dim(factor) > 1 and max(_tensor_orders(rep), default=0) > _MAX_TENSOR_ORDER:
            dim = MAX_REP_DIM + 1
            break
        dim *= rep_dim(rep, factor)
    if dim > MAX_REP_DIM:
        magnitude = int(dim.bit_length() * math.log10(2))
        raise SymcError(
            f"representation {rep} of {group} has dimension about 10^{magnitude}, over the limit of 10^7",
            loc,
            "use fewer or lower-order tensors, or irreps of smaller degree",
        )


def _dimension_factors(group: GroupSpec) -> tuple[GroupFactor, ...]:
    if group.geometric_factors:
        return group.geometric_factors
    perm = group.permutation_factor
    if perm is not None and not perm.is_symbolic:
        return (perm,)
    # On a symbolic S(n) alone only T(0) terms are allowed, and their size does not depend on n.
    return (GroupFactor("S", (1,)),)


def _tensor_orders(rep: RepExpr) -> Iterator[int]:
    if isinstance(rep, TensorRep):
        yield rep.k + rep.l
    for child in _children(rep):
        yield from _tensor_orders(child)


def _children(rep: RepExpr) -> tuple[RepExpr, ...]:
    if isinstance(rep, SumRep):
        return rep.terms
    if isinstance(rep, ProductRep):
        return rep.factors
    if isinstance(rep, (DualRep, MultipleRep)):
        return (rep.base,)
    return ()


class _RepLowering:
    def __init__(
        self, source: SourceText, group: GroupSpec | None, order: int, zero_multiplicity: bool = False
    ) -> None:
        self.zero_multiplicity = zero_multiplicity
        self.source = source
        self.group = group
        self.order = order

    def lower(self, node: Tree | Token, inside: str | None) -> RepExpr:
        """``inside`` names the linear construct (tensor product, dual) enclosing ``node``, if any."""
        kind = node.data if isinstance(node, Tree) else node.type
        if kind == "sum":
            return SumRep(tuple(self.lower(child, inside) for child in node.children))
        if kind == "product":
            return ProductRep(tuple(self.lower(child, "a tensor product") for child in node.children))
        if kind == "multiple":
            return self._multiple(node, inside)
        if kind == "irrep":
            return self._irrep(node.children[0])
        if kind == "name":
            return self._named(node.children[0], inside)
        if kind == "call":
            return self._call(node, inside)
        raise SymcError(
            f"'{self.source.snippet(node)}' is not a representation",
            self.source.of(node),
            "write a representation such as T(1), 2x0e + 1o, point or 3x scalar",
        )

    def _multiple(self, node: Tree, inside: str | None) -> RepExpr:
        count_token, base = node.children
        parity = str(base.children[0]) if isinstance(base, Tree) and base.data == "name" else ""
        if count_token.type == "INT" and parity in ("e", "o", "E", "O"):
            # 1O, 0E, "1 o": an irrep with an upper-case or detached parity reads as a count times a name.
            irrep = f"{count_token}{parity.lower()}"
            raise SymcError(
                f"'{self.source.snippet(node)}' is not an irrep",
                self.source.of(node),
                f"did you mean '{irrep}'? (an irrep is its degree and parity e or o, in lower case, with no space)",
            )
        count = to_int(count_token, self.source)
        if not (0 if self.zero_multiplicity else 1) <= count <= MAX_MULTIPLICITY:
            raise SymcError(
                f"multiplicity {count} is out of range",
                self.source.of_token(count_token),
                f"multiplicities run from 1 to {MAX_MULTIPLICITY:,}",
            )
        return MultipleRep(count, self.lower(base, inside))

    def _irrep(self, token: Token) -> RepExpr:
        degree = to_int(Token.new_borrow_pos("INT", token[:-1], token), self.source)
        rep = Irrep(degree, 1 if token.endswith("e") else -1)
        if self.group is not None:
            unsupported = [f for f in self.group.geometric_factors if not carries_o3_irreps(f)]
            if unsupported or not self.group.geometric_factors:
                where = unsupported[0].name if unsupported else str(self.group)
                raise SymcError(
                    f"irrep {rep} does not exist for {where}",
                    self.source.of_token(token),
                    "irreps lp (e3nn notation) belong to SO(3), O(3), SE(3) and E(3); "
                    + (f"use tensors T(k,l) of {where} instead" if unsupported else "use T(0) (scalar) features"),
                )
        return rep

    def _named(self, token: Token, inside: str | None) -> RepExpr:
        name = str(token)
        if name == "T":
            raise SymcError("T needs its orders", self.source.of_token(token), "write T(k) or T(k,l), e.g. T(1)")
        if name not in NAMED_REPS:
            hint = did_you_mean(name, NAMED_REPS, "named representations (besides T(k,l), dual(A) and irreps)")
            raise SymcError(f"unknown representation '{name}'", self.source.of_token(token), hint)
        rep = NAMED_REPS[name]()
        if isinstance(rep, (Point, Orientation, RotationFrame)):
            self._check_geometric_object(rep, token, inside)
        elif isinstance(rep, TensorRep):
            self._check_tensor(rep, token)
        return rep

    def _call(self, node: Tree, inside: str | None) -> RepExpr:
        name_token, *args = node.children
        loc = self.source.of(node)
        keywords = [a for a in args if isinstance(a, Tree) and a.data == "kwarg"]
        if keywords:
            raise SymcError(
                f"{name_token}(...) takes no keyword arguments", self.source.of(keywords[0]), "write e.g. T(1,1)"
            )
        if name_token == "T":
            if not 1 <= len(args) <= 2 or any(not (isinstance(a, Tree) and a.data == "int") for a in args):
                raise SymcError(
                    f"T takes one or two non-negative integer orders, got '{self.source.snippet(node)}'",
                    loc,
                    "write T(k) for k vectors or T(k,l) for k vectors and l covectors, e.g. T(1,1)",
                )
            rep = TensorRep(*(to_int(a.children[0], self.source) for a in args))
            self._check_tensor(rep, name_token)
            return rep
        if name_token == "dual":
            if len(args) != 1:
                raise SymcError("dual takes one representation", loc, "write e.g. dual(T(1))")
            return DualRep(self.lower(args[0], "dual"))
        raise SymcError(
            f"unknown representation '{name_token}(...)'",
            self.source.of_token(name_token),
            did_you_mean(str(name_token), REP_CALLS, "representation constructors"),
        )

    def _check_tensor(self, rep: TensorRep, token: Token) -> None:
        if self.group is None or self.group.geometric_factors or rep.k + rep.l == 0:
            return
        perm = self.group.permutation_factor
        if perm is not None and not perm.is_symbolic and self.order == 0:
            return  # a global tensor of the concrete matrix group S(m)
        raise SymcError(
            f"{rep} does not exist for {self.group} on a {'global' if self.order == 0 else 'per-point/pair'} field: "
            f"{perm} has no fixed-size matrix representation",
            self.source.of_token(token),
            "put the set indices in the field's indexing and keep scalar features: "
            "T(0) per point for one point index, T(0) per pair for two",
        )

    def _check_geometric_object(self, rep: RepExpr, token: Token, inside: str | None) -> None:
        loc = self.source.of_token(token)
        if inside is not None:
            raise SymcError(
                f"'{rep}' cannot be used inside {inside}",
                loc,
                f"'{rep}' is not a linear representation; use a vector T(1) / 1o there",
            )
        if self.group is None:
            return
        geometric = self.group.geometric_factors
        if isinstance(rep, Point):
            wrong = [f for f in geometric if f.family not in AFFINE_FAMILIES]
            if wrong or not geometric:
                raise SymcError(
                    f"'point' needs an affine group (E(d), SE(d), T(d), Aff+(d)); {self.group} has no translations",
                    loc,
                    "use a vector (T(1) or 1o) for a direction, or choose E(d)/SE(d) for positions",
                )
            return
        wrong = [f for f in geometric if f.family not in ROTATION_LIKE_FAMILIES]
        if wrong or not geometric:
            raise SymcError(
                f"'{rep}' needs a rotation group (SO, O, SE, E, C, D); {self.group} has no rotations",
                loc,
                "use T(1) for a general vector of this group",
            )
