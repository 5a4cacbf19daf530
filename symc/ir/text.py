"""The one reader of group and representation text, as seen from below the frontend.

The frontend's grammar is the only reader of group, rep and irreps text. Layers below it (``symc.groups``,
``symc.so3``) must not import it, yet their public constructors accept text (``Irreps("2x0e + 1o")``,
``symc.groups.group("SO(3)")``). They call the functions here, which forward to the readers the public
face registers when ``symc`` is imported (``symc.api`` registers ``symc.frontend.parse_group``,
``parse_rep`` and ``symc.frontend.reps.parse_irreps``, imported on first use). Importing any ``symc``
submodule imports ``symc`` first, so the readers are always registered; there is no second parser to
fall back on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from symc.errors import SymcError

_READERS: dict[str, Callable[[str], Any]] = {}


def register_readers(**readers: Callable[[str], Any]) -> None:
    """Install the text readers (``group=``, ``rep=``, ``irreps=``); called by ``symc.api`` at import."""
    _READERS.update(readers)


def _read(kind: str, text: str) -> Any:
    if not isinstance(text, str):
        raise SymcError(f"not {kind} text: {text!r}", hint=f"pass {kind} text such as the spec language writes it")
    reader = _READERS.get(kind)
    if reader is None:
        raise SymcError(f"no {kind} reader is registered", hint="import symc (its public face registers the readers)")
    return reader(text)


def read_group(text: str):
    """``"SO(3) x S(n)"`` → ``ir.GroupSpec``, checked exactly as a spec's ``group`` line."""
    return _read("group", text)


def read_rep(text: str):
    """``"2x0e + 1x1o"`` → ``ir.RepExpr``, through the spec grammar (syntax checks only)."""
    return _read("rep", text)


def read_irreps(text: str):
    """``"2x0e + 0x1o"`` → ``ir.Irreps``, through the spec grammar (zero multiplicities allowed)."""
    return _read("irreps", text)
