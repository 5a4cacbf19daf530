"""A hypothesis corpus of ``.sym`` spec *text*: every method, locality, group family, rep kind, field order and knob.

``model_specs()`` draws one ``model M { ... }`` block. Most draws are *coherent*: the group, fields and
locality are picked so that the chosen method could take them (so that a good share of the corpus parses
and reaches the builders); the rest mix freely, so that the frontend's refusals are exercised too. Sizes are
kept small (d ≤ 3, n ≤ 4, lmax ≤ 2, layers ≤ 2, small hidden widths) so that building is fast: the property
tested with it (``tests/test_parse_implies_build.py``) is "parse succeeds ⇒ build succeeds", not speed.

``describe(text)`` reads back the method word and locality kind a text asks for (for coverage statistics).
"""

from __future__ import annotations

import re

from hypothesis import strategies as st

METHODS = ("basis", "frames", "attributes", "tensor_product", "soft")
LOCALITIES = ("complete", "global", "knn", "radius", "ego", "graph")
BACKBONES = ("mlp", "gnn", "pointnet", "custom")

# Geometric families of the catalogue and the sizes drawn for them (kept small).
SIZES: dict[str, tuple[int, ...]] = {
    "C": (2, 3, 4),
    "D": (2, 3, 4),
    "SO": (2, 3),
    "O": (1, 2, 3),
    "SE": (2, 3),
    "E": (1, 2, 3),
    "T": (1, 2, 3),
    "GL+": (2, 3),
    "SL": (2, 3),
    "Aff+": (2, 3),
    "SO+": (1, 2, 3),  # SO+(1, q)
    "Sp": (2, 4),  # Sp(2d) is named by its matrix size
}
FAMILIES = tuple(SIZES)
AFFINE = frozenset({"SE", "E", "T", "Aff+"})
ROTATION_LIKE = frozenset({"SO", "O", "SE", "E", "C", "D"})
O3_LIKE = frozenset({"SO", "O", "SE", "E"})

# Which geometric families each method is meant for (None: the group S(n) alone).
METHOD_FAMILIES: dict[str, tuple[str | None, ...]] = {
    "basis": (*FAMILIES, None),
    "frames": ("SO", "O", "SE", "E", "T", "GL+", "SL", "Aff+", None),
    "attributes": ("E", "SE"),
    "tensor_product": ("SE", "E"),  # SO(3)/O(3) have no `point` for the positions (drawn in the free mix)
    "soft": (*FAMILIES, None),
}
METHOD_LOCALITIES: dict[str, tuple[str, ...]] = {
    "basis": ("complete", "global", "ego", "graph"),
    "frames": ("complete", "global", "knn", "radius"),
    "attributes": ("complete", "radius", "knn", "graph"),
    "tensor_product": ("complete", "global", "knn", "radius", "graph"),
    "soft": ("complete", "global"),
}

NAMES = ("a", "b", "c", "f", "h", "q", "u", "v", "w", "x", "y", "z")


# ---- groups -------------------------------------------------------------------------------------


@st.composite
def geometric_factors(
    draw, families: tuple[str, ...] = FAMILIES, piecewise: bool = False, dimension: int | None = None
) -> tuple[str, str, int]:
    """``(text, family, d)`` of one geometric factor; ``d`` is the size of the matrices it acts by."""
    family = draw(st.sampled_from(families))
    sizes = SIZES[family] if dimension is None or dimension not in SIZES[family] else (dimension,)
    size = draw(st.sampled_from(sizes))
    if family == "SO+":
        text = "Lorentz" if size == 3 and draw(st.booleans()) else f"SO+(1,{size})"
        return text, family, size + 1
    if family in ("C", "D"):
        return f"{family}({size})", family, 2
    prefix = "piecewise " if piecewise and family in ("E", "SE") else ""
    return f"{prefix}{family}({size})", family, size


@st.composite
def groups(
    draw,
    families: tuple[str | None, ...] = (*FAMILIES, None),
    sets: str = "any",
    dimension: int | None = None,
    piecewise: int = 5,
) -> dict:
    """A group statement's text and what was drawn: ``family`` (None for S(n) alone), ``d``, ``set``
    (``None``, ``"n"`` or a concrete size) and ``piecewise``.

    ``sets``: ``"any"``, ``"required"`` (always an S factor) or ``"none"``; ``dimension`` fixes d where the
    family has that size.
    """
    family_choice = draw(st.sampled_from(families))
    if family_choice is None:
        size = draw(st.sampled_from(("n", "n", 2, 3, 4)))
        return {"text": f"S({size})", "family": None, "d": 0, "set": size, "piecewise": False}
    piecewise = family_choice in ("E", "SE") and draw(st.integers(0, piecewise - 1)) == 0
    text, family, d = draw(geometric_factors((family_choice,), piecewise=piecewise, dimension=dimension))
    if sets == "required" or piecewise:
        with_set = True
    elif sets == "none":
        with_set = False
    else:
        with_set = draw(st.booleans())
    size = draw(st.sampled_from(("n", "n", "n", 2, 3, 4))) if with_set else None
    if size is not None:
        times = draw(st.sampled_from((" x ", " x ", " × ")))
        text = f"{text}{times}S({size})" if draw(st.integers(0, 5)) else f"S({size}){times}{text}"
    return {"text": text, "family": family, "d": d, "set": size, "piecewise": piecewise}


# ---- representations ------------------------------------------------------------------------------


def atoms_for(family: str | None, d: int, coherent_for: str | None = None) -> tuple[str, ...]:
    """Representation atoms that exist for ``family`` in dimension ``d`` (narrowed to what
    ``coherent_for``'s method reads)."""
    irreps = family in O3_LIKE and d == 3
    if family is None:
        return ("T(0)", "scalar", "2xT(0)")
    if coherent_for == "tensor_product":
        return ("0e", "1o", "2e", "0e", "1o", "0o")  # mostly natural parity (-1)^l; 0o is refused
    if coherent_for == "attributes":
        return ("0e", "1o", "T(0)", "T(1)", "scalar", "vector") if irreps else ("T(0)", "T(1)", "scalar", "vector")
    found = ["T(0)", "T(1)", "T(2)", "scalar", "vector"]
    if family not in ("SO", "O", "SE", "E", "T", "C", "D", "SO+", "Sp"):
        found += ["T(0,1)", "T(1,1)", "dual(T(1))"]
    else:
        found += ["T(1,1)", "T(1) * T(1)"]
    if irreps:
        found += ["0e", "1o", "2e", "0o", "1e"]
    return tuple(found)


ANY_ATOMS = ("T(0)", "T(1)", "T(2)", "T(1,1)", "0e", "1o", "2e", "1e", "point", "orientation", "frame", "vector")


@st.composite
def reps(draw, atoms: tuple[str, ...], terms: int = 2, max_mult: int = 3) -> str:
    """A sum of 1..``terms`` multiples of ``atoms``, in any of the multiplicity spellings."""
    parts = []
    for _ in range(draw(st.integers(1, terms))):
        atom = draw(st.sampled_from(atoms))
        mult = draw(st.integers(1, max_mult))
        if mult == 1 and draw(st.booleans()):
            parts.append(atom)
        else:
            spelling = draw(st.sampled_from(("{m}x{a}", "{m}x {a}", "{m} x {a}")))
            if " * " in atom:
                atom = f"({atom})"
            parts.append(spelling.format(m=mult, a=atom))
    return " + ".join(parts)


INDEXINGS = {0: ("global",), 1: ("per point", "per node"), 2: ("per pair", "per edge")}


@st.composite
def indexing(draw, order: int, default_order: int) -> str:
    """The indexing words for ``order`` (left out when it is the default, half of the time)."""
    if order == default_order and draw(st.booleans()):
        return ""
    return " " + draw(st.sampled_from(INDEXINGS[order]))


# ---- the model ----------------------------------------------------------------------------------------


@st.composite
def model_specs(draw) -> str:
    """One ``model M { ... }`` spec text (see the module docstring)."""
    method = draw(st.sampled_from(("basis",) * 7 + ("frames",) * 5 + ("attributes", "tensor_product") * 5 + ("soft",)))
    coherent = draw(st.integers(0, 9)) < 9
    if coherent:
        families = METHOD_FAMILIES[method]
        sets = "required" if method in ("attributes", "tensor_product", "frames") else "any"
        dimension = 3 if method == "tensor_product" else None
        group = draw(groups(families, sets=sets, dimension=dimension, piecewise=3 if method == "frames" else 40))
        locality = draw(st.sampled_from(METHOD_LOCALITIES[method]))
        if locality in ("ego", "graph") and method == "basis":
            group = {"text": "S(n)", "family": None, "d": 0, "set": "n", "piecewise": False}
    else:
        group = draw(groups())
        locality = draw(st.sampled_from(LOCALITIES))
    family, has_set = group["family"], group["set"] is not None
    default_order = 1 if has_set else 0
    names = iter(draw(st.permutations(NAMES)))

    def order_of(output: bool = False) -> int:
        if not has_set:
            return 0 if coherent or draw(st.integers(0, 5)) else draw(st.sampled_from((1, 2)))
        orders = (0, 1, 1, 1) if method in ("frames", "attributes", "tensor_product") and coherent else (0, 1, 1, 2)
        if method == "tensor_product" and coherent and not output:
            orders = (1, 1, 1, 1, 1, 0)  # its features are per point
        return draw(st.sampled_from(orders))

    atoms = atoms_for(family, group["d"], method) if coherent else ANY_ATOMS
    inputs: list[str] = []
    outputs: list[str] = []
    pair_inputs: list[str] = []
    point_inputs: list[str] = []
    scalar_point_inputs: list[tuple[str, int]] = []

    # Positions first where the method reads them (or, now and then, anyway).
    wants_positions = family in AFFINE and (method in ("attributes", "tensor_product", "frames") or draw(st.booleans()))
    if wants_positions and has_set and draw(st.integers(0, 9)):
        name = next(names)
        inputs.append(f"{name}: point{draw(indexing(1, default_order))}")
        point_inputs.append(name)
    elif method == "frames" and coherent and family is not None and has_set and draw(st.integers(0, 9)):
        name = next(names)
        rep = "1o" if family in O3_LIKE and group["d"] == 3 and draw(st.booleans()) else "T(1)"
        inputs.append(f"{name}: {rep}{draw(indexing(1, default_order))}")
        point_inputs.append(name)
    elif method == "frames" and coherent and family is not None and not has_set:
        # Global-only frames: a vector the frame is computed from is still needed per point, so this
        # spec is one of the ones the frontend refuses; draw a global vector anyway.
        inputs.append(f"{next(names)}: T(1) global")
    if method == "attributes" and coherent and family in ROTATION_LIKE and draw(st.integers(0, 3)) == 0:
        inputs.append(
            f"{next(names)}: {draw(st.sampled_from(('orientation', 'frame')))}{draw(indexing(1, default_order))}"
        )
    if method == "frames" and group["piecewise"] and draw(st.booleans()):
        name, width = next(names), draw(st.sampled_from((1, 2, 3)))
        rep = "T(0)" if width == 1 else f"{width}xT(0)"
        inputs.append(f"{name}: {rep}{draw(indexing(1, default_order))}")
        scalar_point_inputs.append((name, width))
    if locality in ("ego", "graph") and (has_set or not coherent):
        name = next(names)
        # Edge channels are invariant scalars; now and then a vector, which the frontend refuses.
        scalars = ("0e", "2x0e", "0e", "1o") if method == "tensor_product" else ("T(0)", "scalar", "2xT(0)")
        inputs.append(f"{name}: {draw(st.sampled_from(scalars))} per pair")
        pair_inputs.append(name)
    for _ in range(draw(st.integers(0 if inputs else 1, 2))):
        order = order_of()
        name = next(names)
        inputs.append(f"{name}: {draw(reps(atoms))}{draw(indexing(order, default_order))}")
        if order == 2:
            pair_inputs.append(name)
        if order == 1:
            point_inputs.append(name)
    out_atoms = atoms
    if coherent and method == "attributes":
        out_atoms = ("0e", "1o", "T(0)", "T(1)") if group["d"] == 3 else ("T(0)", "T(1)")
    if coherent and method == "tensor_product":
        out_atoms = ("0e", "1o", "2e")
    for _ in range(draw(st.integers(1, 2))):
        order = order_of(output=True)
        name = next(names) if draw(st.integers(0, 5)) or not inputs else inputs[0].split(":")[0]
        if any(o.startswith(name + ":") for o in outputs):
            name = next(names)
        rep_atoms = out_atoms
        if coherent and method == "tensor_product" and order == 0:
            rep_atoms = ("0e", "0e", "0e", "1o")  # global outputs are invariant scalars (1o is refused)
        if family in AFFINE and point_inputs and order == 1 and draw(st.integers(0, 4)) == 0:
            rep_atoms = ("point",)
        outputs.append(f"{name}: {draw(reps(rep_atoms))}{draw(indexing(order, default_order))}")

    lines = [f"group {group['text']}"]
    if draw(st.booleans()) or len(inputs) == 1:
        lines.append("input " + ", ".join(inputs))
    else:
        lines += [f"input {field}" for field in inputs]
    lines.append(
        "output " + ",\n    ".join(outputs) if draw(st.integers(0, 4)) == 0 else "output " + ", ".join(outputs)
    )
    locality_text = draw(localities(locality, pair_inputs))
    if locality_text is not None:
        lines.append(f"locality {locality_text}")
    lines.append(f"method {draw(methods(method, group, scalar_point_inputs))}")
    lines += draw(knobs(method, family, group["d"], atoms))
    separator = draw(st.sampled_from(("\n  ", "\n  ", "; ")))
    return "model M {\n  " + separator.join(lines) + "\n}\n"


@st.composite
def localities(draw, kind: str, pair_inputs: list[str]) -> str | None:
    """A locality statement's value; None leaves the statement out (the default, complete)."""
    if kind == "complete":
        return None if draw(st.booleans()) else "complete"
    if kind == "global":
        return "global"
    if kind == "knn":
        k = draw(st.integers(1, 4))
        return draw(st.sampled_from((f"knn({k})", f"knn(k = {k})")))
    if kind == "radius":
        r = draw(st.sampled_from(("0.5", "1.0", "2.5", "3", "1e1")))
        return draw(st.sampled_from((f"radius({r})", f"radius(r = {r})")))
    edges = pair_inputs[0] if pair_inputs else draw(st.sampled_from(NAMES))
    if kind == "ego":
        k = draw(st.integers(1, 2))
        return draw(
            st.sampled_from(
                (f"ego({k})", f"ego(k = {k})", f"ego({k}, edges = {edges})", f"ego(k = {k}, edges = {edges})")
            )
        )
    return draw(st.sampled_from((f"graph(edges = {edges})", f"graph({edges})")))


@st.composite
def backbones(draw) -> str:
    name = draw(st.sampled_from(BACKBONES))
    if name == "custom" or draw(st.integers(0, 3)) == 0:
        return name
    args = []
    if draw(st.booleans()):
        args.append(f"hidden = {draw(st.sampled_from((4, 8, 16)))}")
    if draw(st.booleans()):
        args.append(f"layers = {draw(st.integers(1, 2))}")
    return f"{name}({', '.join(args)})"


@st.composite
def methods(draw, method: str, group: dict, scalar_point_inputs: list[tuple[str, int]]) -> str:
    """A method statement's value for ``method``, with arguments drawn from its keywords."""
    args: list[str] = []
    if method == "frames":
        if draw(st.integers(0, 3)):
            backbone = draw(backbones())
            args.append(backbone if draw(st.booleans()) else f"backbone = {backbone}")
        if group["piecewise"] or draw(st.integers(0, 9)) == 0:
            labels = scalar_point_inputs[0] if scalar_point_inputs else None
            if labels is not None and draw(st.integers(0, 3)):
                args.append(f"labels = {labels[0]}")
                if labels[1] == 1 or draw(st.integers(0, 2)) == 0:
                    args.append(f"parts = {labels[1] if labels[1] > 1 else draw(st.integers(2, 3))}")
            elif draw(st.integers(0, 5)):
                args.append(f"parts = {draw(st.integers(1, 3))}")
    elif method == "attributes":
        if draw(st.integers(0, 3)) == 0:
            args.append(f"orientations = {draw(st.sampled_from((4, 8)))}")
    elif method == "tensor_product":
        if draw(st.booleans()):
            lmax = draw(st.integers(0, 2))
            args.append(f"{lmax}" if draw(st.booleans()) else f"lmax = {lmax}")
        if draw(st.booleans()):
            args.append(f"impl = {draw(st.sampled_from(('gaunt', 'cg', 'auto')))}")
    elif method == "soft":
        if draw(st.booleans()):
            args.append(f"weight = {draw(st.sampled_from(('0.1', '1.0', '0')))}")
        if draw(st.booleans()):
            args.append(f"auto = {draw(st.sampled_from(('true', 'false')))}")
    if not args:
        return method if draw(st.integers(0, 3)) else f"{method}()"
    return f"{method}({', '.join(args)})"


@st.composite
def knobs(draw, method: str, family: str | None, d: int, atoms: tuple[str, ...]) -> list[str]:
    """Architecture statements: hidden (a small width or rep), layers (1..2), nonlinearity, readout, dtype."""
    lines = []
    # Unset hidden/layers fall back to the method's defaults, which can be large (basis: 128 channels,
    # 3 layers): keep them mostly set, so that building stays fast.
    if draw(st.integers(0, 5)):
        if method in ("basis", "soft") and family is not None and draw(st.booleans()):
            hidden_atoms = tuple(a for a in atoms if a.startswith("T(") or a[0].isdigit()) or ("T(0)",)
            lines.append(f"hidden {draw(reps(hidden_atoms, terms=3, max_mult=4))}")
        elif family is None and method == "basis" and draw(st.booleans()):
            lines.append(f"hidden {draw(st.integers(2, 8))}xT(0)")
        else:
            lines.append(f"hidden {draw(st.sampled_from((4, 8, 16)))}")
    if draw(st.integers(0, 5)):
        lines.append(f"layers {draw(st.integers(1, 2))}")
    if draw(st.booleans()):
        lines.append(f"nonlinearity {draw(st.sampled_from(('gated', 'relu', 'silu', 'tanh', 'norm')))}")
    if draw(st.booleans()):
        lines.append(f"readout {draw(st.sampled_from(('sum', 'mean', 'max')))}")
    if draw(st.booleans()):
        lines.append(f"dtype {draw(st.sampled_from(('float32', 'float64')))}")
    return lines


# ---- reading a text back (for statistics) ----------------------------------------------------------------


_METHOD_RE = re.compile(r"method\s+([A-Za-z_]+)")
_LOCALITY_RE = re.compile(r"locality\s+([A-Za-z_]+)")
_GROUP_RE = re.compile(r"group\s+([^\n;]+)")


def describe(text: str) -> dict[str, str]:
    """The method word, locality kind and group families (as written) of a corpus text."""
    method = _METHOD_RE.search(text)
    locality = _LOCALITY_RE.search(text)
    group = _GROUP_RE.search(text)
    families = re.findall(r"(SO\+|Aff\+|GL\+|Lorentz|[A-Za-z]+)(?=\(|\b)", group.group(1)) if group else []
    families = [("SO+" if f == "Lorentz" else f) for f in families if f not in ("x", "piecewise")]
    return {
        "method": method.group(1) if method else "?",
        "locality": locality.group(1) if locality else "complete",
        "families": " x ".join(sorted(families)),
        "piecewise": "piecewise" in (group.group(1) if group else ""),
    }
