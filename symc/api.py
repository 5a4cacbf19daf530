"""The public Python API (``symc.parse``, ``symc.build``, ...), re-exported by ``symc/__init__.py``.

Each function is a thin, typed door into one pipeline stage. Heavy stages (torch, lark, the solvers)
are imported inside the functions so that ``import symc`` stays fast.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import TYPE_CHECKING

from symc import ir
from symc.errors import SymcError
from symc.ir.text import register_readers

if TYPE_CHECKING:
    import torch

SpecSource = ir.ModelSpec | str | os.PathLike


def parse(text: str, model: str | None = None) -> ir.ModelSpec:
    """Parse spec text into the IR; a text with several models needs ``model=`` to pick one."""
    from symc.frontend import parse as parse_text

    return parse_text(text, model=model)


def load(path: str | os.PathLike, model: str | None = None) -> ir.ModelSpec:
    """Parse a ``.sym`` file into the IR; a file with several models needs ``model=``."""
    from symc.frontend import load as load_file

    return load_file(path, model=model)


def load_program(path: str | os.PathLike) -> ir.Program:
    """Every model of a ``.sym`` file, in file order."""
    from symc.frontend import parse_program

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SymcError(f"cannot read spec file '{path}': {exc.strerror}") from None
    return parse_program(text, filename=str(path))


def _looks_like_spec_text(source: str) -> bool:
    # Spec text always contains a model block; a file name never contains a brace or a newline.
    return "{" in source or "\n" in source


def resolve_spec(source: SpecSource, model: str | None = None) -> ir.ModelSpec:
    """A ``ModelSpec`` from a ``ModelSpec``, a path to a ``.sym`` file, or spec text."""
    if isinstance(source, ir.ModelSpec):
        return source
    if isinstance(source, str) and _looks_like_spec_text(source):
        return parse(source, model=model)
    if isinstance(source, (str, os.PathLike)):
        if not Path(source).is_file():
            raise SymcError(
                f"no spec file '{os.fspath(source)}'",
                hint="pass a ModelSpec, a path to a .sym file, or spec text containing 'model Name { ... }'",
            )
        return load(source, model=model)
    raise SymcError(f"cannot build from a {type(source).__name__}", hint="pass a ModelSpec, a .sym path or spec text")


def with_dtype(spec: ir.ModelSpec, dtype: str) -> ir.ModelSpec:
    """The same spec with its ``dtype`` knob set (``"float32"``/``"float64"``), as if the spec had said so.

    Building in float64 directly matters for checks at 1e-9: casting a float32-built model up keeps
    bases that were rounded to float32.
    """
    return dataclasses.replace(spec, architecture=dataclasses.replace(spec.architecture, dtype=dtype))


def build(
    spec_or_path_or_text: SpecSource,
    backbone: torch.nn.Module | None = None,
    model: str | None = None,
    *,
    allow_nonfinite: bool = False,
):
    """Compile a spec into a ``torch.nn.Module`` taking and returning dicts of named field tensors.

    Shapes: global ``(batch, dim)``, per point ``(batch, n, dim)``, per pair ``(batch, n, n, dim)``; every
    input is checked by the one field contract (``symc.layers.contract``). ``backbone`` is the user network
    for methods that wrap one (``frames``); ``model`` picks a model from a file or text that defines several;
    ``allow_nonfinite`` lets NaN/Inf inputs through (by default they are an error naming the field and index).
    """
    from symc.methods import build_model

    built = build_model(resolve_spec(spec_or_path_or_text, model=model), backbone=backbone)
    built.allow_nonfinite = allow_nonfinite
    return built


def lint(spec_or_path_or_text: SpecSource, model: str | None = None) -> list:
    """``SymcWarning``s (with locations) for a valid but suspicious spec: outputs no linear map reaches, or
    that are always zero. Asks the method's record; it may solve bases (cached on disk)."""
    from symc.methods import record_for

    spec = resolve_spec(spec_or_path_or_text, model=model)
    return record_for(spec).lint(spec)


def _read_group(text: str) -> ir.GroupSpec:
    from symc.frontend import parse_group

    return parse_group(text)


def _read_rep(text: str) -> ir.RepExpr:
    from symc.frontend import parse_rep

    return parse_rep(text)


def _read_irreps(text: str):
    from symc.frontend.reps import parse_irreps

    return parse_irreps(text)


# The frontend's grammar is the one reader of group/rep/irreps text; the layers below it reach it here.
register_readers(group=_read_group, rep=_read_rep, irreps=_read_irreps)


def group(name: str | ir.GroupSpec | ir.GroupFactor):
    """The catalogue group for ``"SO(3)"``, ``"O(3) x S(5)"``, ``"SO+(1,3)"``, ... (or its IR).

    Text is read by the spec grammar (``symc.frontend.parse_group``): ``symc.group(t)`` accepts exactly the
    groups a spec's ``group t`` line accepts, with the same errors. ``G.sample(batch, generator=...)`` gives
    ``(batch, s, s)`` elements (a tuple of them for a product).
    """
    from symc.groups import group as catalogue_group

    return catalogue_group(_read_group(name) if isinstance(name, str) else name)


def rep(text: str | ir.RepExpr, group_or_name):
    """The representation ``text`` (``"T(1,1)"``, ``"2x0e + 1x1o"``) of a group (object, name or IR).

    Text is read by the spec grammar (``symc.frontend.parse_rep``). ``rep(g)`` gives ``(batch, dim, dim)``
    matrices for group elements ``g``.
    """
    from symc.groups import rep as catalogue_rep

    is_ir = isinstance(group_or_name, (str, ir.GroupSpec, ir.GroupFactor))
    G = group(group_or_name) if is_ir else group_or_name
    return catalogue_rep(_read_rep(text) if isinstance(text, str) else text, G)


def equivariant_basis(group_or_name, rep_in, rep_out, exact: bool = False) -> torch.Tensor:
    """Orthonormal basis ``(k, dim_out, dim_in)`` (float64) of the maps W with ρ_out(g) W = W ρ_in(g) for all g.

    ``group_or_name``: a group, its name or IR; ``rep_in``/``rep_out``: rep text, IR or ``Rep`` objects.
    ``exact=True`` solves in rationals (small cases). Results are cached on disk; ``symc.solvers``
    describes the routes and their complexity.
    """
    from symc.solvers import equivariant_basis as solve

    return solve(group_or_name, rep_in, rep_out, exact=exact)
