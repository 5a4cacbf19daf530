"""Lowering and checking ``group`` expressions: ``E(3) x S(n)``, ``piecewise SE(3)``, ``Lorentz``."""

from __future__ import annotations

import re

from lark import Token, Tree

from symc.errors import SourceLocation, SymcError
from symc.frontend.numbers import to_int
from symc.frontend.source import SourceText
from symc.frontend.tables import MAX_MATRIX_SIZE, MAX_SET_SIZE
from symc.ir import GROUP_FAMILIES, GroupFactor, GroupSpec
from symc.ir.families import ALIASES as FAMILY_ALIASES
from symc.ir.families import FAMILIES, GroupFamily, families_where
from symc.ir.suggest import closest

# Derived from the family table (``symc.ir.families``): arity, argument meaning, examples, aliases.
FAMILY_INFO: dict[str, GroupFamily] = FAMILIES
ALIASES: dict[str, GroupFactor] = {name: GroupFactor(fam, args) for name, (fam, args) in FAMILY_ALIASES.items()}
PIECEWISE_FAMILIES = tuple(sorted(families_where(lambda f: f.piecewise)))
# Families whose size counts points or group order rather than a matrix dimension.
_COUNT_FAMILIES = families_where(lambda f: f.counts)
# A size glued to the family name: SE3, SE_3, Sp4, GL+3; a symbol for S only: Sn, S_n.
_GLUED = re.compile(r"^([A-Za-z]+\+?)_?(\d+|[a-z])$")
# SOplus, SO_plus: the '+' of SO+, GL+, Aff+ spelt out.
_PLUS_WORD = re.compile(r"_?plus$", re.IGNORECASE)
Args = tuple[int | str, ...]
# Families written out in words, for hints only (the language spells a group by its family).
_SPELLED_OUT = {
    "symmetric": "S", "permutation": "S", "sym": "S", "cyclic": "C", "dihedral": "D", "rotation": "SO",
    "orthogonal": "O", "euclidean": "E", "translation": "T", "symplectic": "Sp", "affine": "Aff+",
}  # fmt: skip


def lower_group(node: Tree, source: SourceText) -> GroupSpec:
    """``group_expr`` tree → checked ``GroupSpec`` (one factor per ``x``)."""
    factors = tuple(_lower_factor(child, source) for child in node.children)
    _check_product(factors)
    return GroupSpec(factors)


def _lower_factor(node: Tree, source: SourceText) -> GroupFactor:
    children = list(node.children)
    piecewise = bool(children) and isinstance(children[0], Token) and children[0].type == "PIECEWISE"
    if piecewise:
        children.pop(0)
    name_token = children[0]
    args_node = children[1] if len(children) > 1 else None
    loc = source.of(node)
    name = str(name_token)
    if name in ALIASES:
        if args_node is not None:
            raise SymcError(f"'{name}' takes no size", loc, f"'{name}' is {ALIASES[name].name}; write one or the other")
        alias = ALIASES[name]
        factor = GroupFactor(alias.family, alias.args, piecewise, loc=loc)
    else:
        if name not in GROUP_FAMILIES:
            raise SymcError(
                f"unknown group '{name}'", source.of(name_token), _unknown_group_hint(name, _written(args_node, source))
            )
        args = tuple(_lower_size(arg, source) for arg in args_node.children) if args_node is not None else ()
        factor = GroupFactor(name, args, piecewise, loc=loc)
        _check_sizes(factor, loc)
    if piecewise and factor.family not in PIECEWISE_FAMILIES:
        raise SymcError(
            f"'piecewise' applies to E(d) and SE(d), not {factor.name}",
            loc,
            "piecewise symmetry moves each part of a point set by its own rigid motion: write piecewise E(3)",
        )
    return factor


def _lower_size(node: Tree, source: SourceText) -> int | str:
    token = node.children[0]
    if node.data == "symbolic_size":
        return str(token)
    value = to_int(token, source)
    return -value if node.data == "negative_size" else value


def _written(args_node: Tree | None, source: SourceText) -> Args | None:
    """The sizes written after an unknown name, to keep them in the suggestion (``None``: none written)."""
    if args_node is None:
        return None
    try:
        return tuple(_lower_size(arg, source) for arg in args_node.children)
    except SymcError:
        return None


def _unknown_group_hint(name: str, args: Args | None) -> str:
    spelling = suggest_group(name, args)
    if spelling is not None:
        return f"did you mean {spelling}?"
    return "known groups: " + ", ".join([*(FAMILY_INFO[f].example for f in GROUP_FAMILIES), *ALIASES])


def suggest_group(name: str, args: Args | None = None, strict: bool = False) -> str | None:
    """The group a user most plausibly meant by ``name`` (with ``args`` if written), or ``None``.

    The user's sizes are kept: ``so(4)`` → ``SO(4)``, ``se3`` / ``SE_3`` → ``SE(3)``, ``sn`` → ``S(n)``,
    ``SOplus(1,3)`` → ``SO+(1,3)``, ``lorentz`` → ``Lorentz``. Tried in order: the whole name ignoring
    case and separators, a size glued to the name, then (unless ``strict``) the nearest name.
    """
    known = [*GROUP_FAMILIES, *ALIASES]
    for spelling in dict.fromkeys((name, _PLUS_WORD.sub("+", name))):
        match = closest(spelling, known, cutoff=1.0)
        if match is not None:
            return _spell(match, args)
    glued = _GLUED.match(name)
    if glued and args is None:
        family = closest(glued.group(1), GROUP_FAMILIES, cutoff=1.0)
        size = glued.group(2)
        if family is not None and (size.isdigit() or FAMILY_INFO[family].symbolic_ok):
            return _spell(family, (int(size) if size.isdigit() else size,))
    if strict:
        return None
    match = closest(name, known)
    if match is None:
        word = closest(name, _SPELLED_OUT)
        match = None if word is None else _SPELLED_OUT[word]
    return None if match is None else _spell(match, args)


def _spell(name: str, args: Args | None) -> str:
    """``name`` written with the user's sizes when they fit its arity, else its example."""
    if name in ALIASES:
        alias = ALIASES[name]
        fits = args is not None and len(args) == GROUP_FAMILIES[alias.family]
        return f"{alias.family}({','.join(map(str, args))})" if fits else name
    if args is not None and len(args) == GROUP_FAMILIES[name]:
        return f"{name}({','.join(map(str, args))})"
    return FAMILY_INFO[name].example


def _check_sizes(factor: GroupFactor, loc: SourceLocation) -> None:
    family, args = factor.family, factor.args
    info = FAMILY_INFO[family]
    expected = GROUP_FAMILIES[family]
    if len(args) != expected:
        count = f"{expected} argument{'s' if expected > 1 else ''}"
        raise SymcError(
            f"{family} takes {count} ({info.arguments}), got {len(args)}", loc, f"write e.g. {info.example}"
        )
    for arg in args:
        if isinstance(arg, str) and not info.symbolic_ok:
            raise SymcError(
                f"{family} needs a concrete size, not the symbol '{arg}'",
                loc,
                f"only the set size of S(n) may be symbolic; write e.g. {info.example}",
            )
        if isinstance(arg, int) and arg < 1:
            raise SymcError(
                f"group sizes are positive integers, got {arg} in {factor.name}", loc, f"write e.g. {info.example}"
            )
    limit = MAX_SET_SIZE if family in _COUNT_FAMILIES else MAX_MATRIX_SIZE
    largest = max((a for a in args if isinstance(a, int)), default=0)
    if largest > limit:
        raise SymcError(
            f"{factor.name} is absurdly large (sizes above {limit} are refused)",
            loc,
            "matrix groups are sampled as dense d x d matrices; keep d small",
        )
    if family == "Sp" and args[0] % 2:
        raise SymcError(
            f"Sp is named by its matrix size, which is even; got Sp({args[0]})",
            loc,
            f"Sp(2d) preserves J = [[0, I_d], [-I_d, 0]]: did you mean Sp({args[0] + 1})?",
        )
    if family == "SO+" and args[0] != 1:
        raise SymcError(
            f"only Lorentz groups SO+(1,q) are supported, got {factor.name}",
            loc,
            f"write SO+(1,{args[1]}) (one time axis, metric diag(+1, -1, ..., -1)), or Lorentz for SO+(1,3)",
        )


def _check_product(factors: tuple[GroupFactor, ...]) -> None:
    seen: set[str] = set()
    permutations = 0
    for factor in factors:
        if factor.name in seen:
            raise SymcError(f"{factor.name} appears twice in the group", factor.loc, "write each factor once")
        seen.add(factor.name)
        permutations += factor.is_permutation
        if permutations > 1:
            raise SymcError(
                "a group has at most one permutation factor S(n)",
                factor.loc,
                "S(n) permutes the points of the set; per-pair fields already carry the pair index",
            )
        if len(seen) - permutations > 1:
            raise SymcError(
                f"a group has at most one geometric factor besides S(n); {factor.name} is a second one",
                factor.loc,
                "a field's representation belongs to the one geometric factor; write e.g. E(3) x S(n)",
            )
