"""The frontend's entry points: text or files in, checked IR out."""

from __future__ import annotations

import os
from pathlib import Path

from symc.errors import SymcError
from symc.frontend.groups import lower_group
from symc.frontend.lower import lower_program
from symc.frontend.reps import lower_rep
from symc.frontend.source import SourceText
from symc.frontend.syntax import parse_tree
from symc.ir import GroupSpec, ModelSpec, Program, RepExpr


def parse_program(text: str, filename: str = "<string>") -> Program:
    """Every model of a ``.sym`` text, lowered and checked, in file order."""
    source = SourceText(text, filename)
    return lower_program(parse_tree(source, "start"), source)


def parse(text: str, filename: str = "<string>", model: str | None = None) -> ModelSpec:
    """One model of a ``.sym`` text; a text with several models needs ``model=`` to pick one."""
    program = parse_program(text, filename)
    names = [m.name for m in program.models]
    if model is None:
        if len(names) > 1:
            raise SymcError(
                f"{filename} defines {len(names)} models: {', '.join(names)}",
                hint="pick one with model=, e.g. model=" + repr(names[0]),
            )
        return program.models[0]
    if model not in names:
        raise SymcError(f"{filename} has no model '{model}'", hint=f"models defined there: {', '.join(names)}")
    return program.model(model)


def load(path: str | os.PathLike, model: str | None = None) -> ModelSpec:
    """Read and parse a ``.sym`` file; a missing or unreadable file is a ``SymcError``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SymcError(f"no spec file '{path}'", hint="check the path; spec files end in .sym") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SymcError(f"cannot read spec file '{path}': {exc}") from None
    return parse(text, filename=str(path), model=model)


def parse_rep(text: str) -> RepExpr:
    """A representation expression such as ``"2x0e + 1x1o"`` or ``"T(1,1)"``, checked for syntax only."""
    source = SourceText(text, "<rep>")
    return lower_rep(parse_tree(source, "rep_only").children[0], source)


def parse_group(text: str) -> GroupSpec:
    """A group such as ``"E(3) x S(n)"``, ``"SO+(1,3)"`` or ``"Lorentz"``, checked for arity and sizes."""
    source = SourceText(text, "<group>")
    return lower_group(parse_tree(source, "group_only").children[0], source)
