"""A tiny reader for group names such as ``"SO(3)"``, ``"GL+(3)"``, ``"SO+(1,3)"``, ``"SO(3) x S(4)"``.

The lark frontend owns the spec language; this reader exists so that ``symc.group("...")`` works from
Python without importing the frontend. It produces the same IR (``GroupSpec`` of ``GroupFactor``) and
validates arities and sizes, raising ``SymcError`` with a did-you-mean hint.
"""

from __future__ import annotations

import difflib
import re

from symc.errors import SymcError
from symc.ir import GROUP_FAMILIES, GroupFactor, GroupSpec

_FACTOR = re.compile(r"^(piecewise\s+)?([A-Za-z]+\+?)\s*\(([^()]*)\)$")
_GLUED = re.compile(r"^([A-Za-z]+\+?)(\d+)$")
_SPLIT = re.compile(r"(?<=\))\s*[x×]\s*|\s+[x×]\s+")
_INTEGER = re.compile(r"^[+-]?\d+$")
_SYMBOL = re.compile(r"^[A-Za-z_]\w*$")
_ALIASES = {"Lorentz": "SO+(1,3)"}


def _family_hint(family: str, inner: str = "...") -> str | None:
    close = difflib.get_close_matches(family, list(GROUP_FAMILIES), n=1, cutoff=0.4)
    return f"did you mean {close[0]}({inner})?" if close else None


def _parse_arg(text: str, whole: str) -> int | str:
    arg = text.strip()
    if _INTEGER.match(arg):
        return int(arg)
    if _SYMBOL.match(arg):
        return arg
    raise SymcError(f"bad group argument {arg!r}", text=whole, hint="sizes are integers or a symbol such as n")


def parse_factor(text: str) -> GroupFactor:
    """``"SO(3)"`` → ``GroupFactor("SO", (3,))``; validated by :func:`validate_factor`."""
    stripped = text.strip()
    if stripped in _ALIASES:
        stripped = _ALIASES[stripped]
    match = _FACTOR.match(stripped)
    if match is None:
        glued = _GLUED.match(stripped)
        if glued and glued.group(1) in GROUP_FAMILIES:
            hint = f"did you mean {glued.group(1)}({glued.group(2)})?"
        else:
            head = re.match(r"[A-Za-z]+\+?", stripped)
            hint = _family_hint(head.group(0)) if head else None
        raise SymcError(f"cannot read group {stripped!r}", text=stripped, hint=hint or "write e.g. SO(3) or S(n)")
    piecewise, family, inner = match.groups()
    if family not in GROUP_FAMILIES:
        raise SymcError(
            f"unknown group family {family!r}", text=stripped, hint=_family_hint(family, inner) or _known_families()
        )
    args = tuple(_parse_arg(a, stripped) for a in inner.split(",")) if inner.strip() else ()
    factor = GroupFactor(family, args, piecewise=bool(piecewise))
    validate_factor(factor)
    return factor


def _known_families() -> str:
    return "known groups: " + ", ".join(f"{f}(...)" for f in GROUP_FAMILIES)


def parse_group(text: str) -> GroupSpec:
    """``"SO(3) x S(n)"`` → ``GroupSpec`` with one factor per ``x``-separated name."""
    if not text.strip():
        raise SymcError("empty group name", hint="write e.g. SO(3) or E(3) x S(n)")
    return GroupSpec(tuple(parse_factor(part) for part in _SPLIT.split(text.strip())))


def validate_factor(factor: GroupFactor) -> None:
    """Check arity and sizes of one factor (symbolic sizes pass here; ``group()`` rejects them later)."""
    family, args = factor.family, factor.args
    name = str(factor)
    expected = GROUP_FAMILIES.get(family)
    if expected is None:
        raise SymcError(f"unknown group family {family!r}", text=name, hint=_family_hint(family) or _known_families())
    if len(args) != expected:
        example = "SO+(1,3)" if family == "SO+" else f"{family}(3)"
        raise SymcError(
            f"{family} takes {expected} size argument{'s' if expected > 1 else ''}, got {len(args)}",
            text=name,
            hint=f"write e.g. {example}",
        )
    for arg in args:
        if isinstance(arg, int) and arg < 1:
            raise SymcError(f"group size must be a positive integer, got {arg}", text=name, hint=f"e.g. {family}(3)")
    if family == "Sp" and isinstance(args[0], int) and args[0] % 2:
        raise SymcError(
            f"Sp is named by its even matrix size, got {args[0]}", text=name, hint=f"did you mean Sp({args[0] + 1})?"
        )
    if family == "SO+" and args[0] != 1:
        raise SymcError("only Lorentz groups SO+(1,q) are supported", text=name, hint="write SO+(1,3)")
    if family == "SO+" and any(isinstance(a, str) for a in args):
        raise SymcError("the Lorentz group needs a concrete signature", text=name, hint="write SO+(1,3)")
