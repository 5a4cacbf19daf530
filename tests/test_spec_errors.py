"""Bad specs: each problem is one SymcError with the right message, line, column and hint."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

import symc
from symc.errors import SymcError
from symc.frontend import load, parse, parse_group, parse_rep
from symc.methods import build_model


def error(text: str) -> SymcError:
    with pytest.raises(SymcError) as caught:
        parse(text, filename="bad.sym")
    return caught.value


def model(*statements: str) -> str:
    """A model whose statement i (0-based) sits on line i + 2, indented by two spaces (column 3)."""
    return "model M {\n" + "".join(f"  {s}\n" for s in statements) + "}\n"


BASE = ("group SO(3)", "input x: 1o", "output y: 0e", "method basis")


def with_statement(index: int, statement: str) -> str:
    statements = list(BASE)
    statements[index] = statement
    return model(*statements)


def assert_error(err: SymcError, message: str, line: int, column: int, hint: str | None = None) -> None:
    assert message in err.message, err.render()
    assert err.location is not None and (err.location.line, err.location.column) == (line, column), err.render()
    assert err.location.file == "bad.sym"
    if hint is not None:
        assert err.hint is not None and hint in err.hint, err.render()
    # The rendered error shows the offending line with a caret under the column.
    assert "^" in err.render() and err.location.line_text in err.render()


# ---- syntax -----------------------------------------------------------------------------------


def test_misspelt_statement_keyword():
    err = error(with_statement(0, "grup SO(3)"))
    assert_error(err, "unexpected name 'grup'", 2, 3, "did you mean 'group'?")
    assert "'input'" in err.hint and "'method'" in err.hint


def test_two_statements_on_one_line():
    err = error(with_statement(0, "group SO(3) input z: 1o"))
    assert_error(err, "unexpected 'input'", 2, 15, "a new line or ';'")


def test_unexpected_character():
    assert_error(error(with_statement(1, "input x: 1o $")), "unexpected character '$'", 3, 15)


def test_unterminated_model():
    err = error("model M {\n  group SO(3)\n")
    assert_error(err, "unexpected end of the text", 2, 14, "'}'")


def test_missing_value():
    assert_error(error(with_statement(1, "input x:")), "unexpected end of line", 3, 11, "expected a value")


# ---- groups -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("group", "message", "hint"),
    [
        ("SE3", "unknown group 'SE3'", "did you mean SE(3)?"),
        ("SO3", "unknown group 'SO3'", "did you mean SO(3)?"),
        ("Lorenz", "unknown group 'Lorenz'", "did you mean Lorentz?"),
        ("GL(3)", "unknown group 'GL'", "did you mean GL+(3)?"),
        ("Foo(3)", "unknown group 'Foo'", "known groups:"),
    ],
)
def test_unknown_group(group, message, hint):
    assert_error(error(with_statement(0, f"group {group}")), message, 2, 9, hint)


@pytest.mark.parametrize(
    ("group", "message", "hint"),
    [
        ("SO()", "SO takes 1 argument (the dimension d), got 0", "SO(3)"),
        ("SO(3,3)", "SO takes 1 argument", "SO(3)"),
        ("SO(-1)", "group sizes are positive integers, got -1", "SO(3)"),
        ("S(0)", "group sizes are positive integers, got 0", "S(n)"),
        ("Sp(3)", "Sp is named by its matrix size, which is even", "Sp(4)"),
        ("SO+(2,2)", "only Lorentz groups SO+(1,q)", "SO+(1,2)"),
        ("SO(n)", "SO needs a concrete size, not the symbol 'n'", "only the set size of S(n)"),
        ("Lorentz(4)", "'Lorentz' takes no size", "SO+(1,3)"),
        ("piecewise SO(3)", "'piecewise' applies to E(d) and SE(d)", "piecewise E(3)"),
        ("SO(100000)", "absurdly large", "keep d small"),
    ],
)
def test_bad_group_sizes(group, message, hint):
    assert_error(error(with_statement(0, f"group {group}")), message, 2, 9, hint)


def test_bad_group_products():
    assert_error(error(with_statement(0, "group SO(3) x SO(3)")), "SO(3) appears twice", 2, 17)
    err = error(with_statement(0, "group SO(3) x S(n) x S(m)"))
    assert_error(err, "at most one permutation factor", 2, 24)
    err = error(with_statement(0, "group SO(3) x O(2)"))
    assert_error(err, "at most one geometric factor", 2, 17, "E(3) x S(n)")


def test_parse_group_errors_carry_locations():
    with pytest.raises(SymcError) as caught:
        parse_group("SO(3) x SE3")
    assert caught.value.location.column == 9 and "SE(3)" in caught.value.hint


# ---- representations ----------------------------------------------------------------------------


def test_irrep_of_a_group_without_irreps():
    err = error(model("group GL+(3)", "input x: T(1) + 2o", "output y: T(0)", "method basis"))
    assert_error(err, "irrep 2o does not exist for GL+(3)", 3, 19, "T(k,l)")


def test_matrix_rep_of_a_symbolic_permutation_group():
    err = error(model("group S(n)", "input a: T(2)", "output y: T(0) global", "method basis"))
    assert_error(err, "T(2) does not exist for S(n)", 3, 12, "per pair")


def test_global_tensor_of_a_concrete_permutation_group_exists_but_no_method_builds_it():
    # T(1) of S(5) is the rep of its 5 x 5 permutation matrices (the frontend accepts the rep); the layers of
    # basis and frames act only through a geometric factor, so the model is refused at the field.
    err = error(model("group S(5)", "input a: T(1) global", "output y: T(0) global", "method basis"))
    assert_error(err, "method basis has no geometric group factor to act on T(1) in 'a'", 3, 9, "scalar channels")
    err = error(model("group S(5)", "input a: T(0) per point, b: T(1) global", "output y: T(0)", "method frames(gnn)"))
    assert_error(err, "method frames has no geometric group factor to act on T(1) in 'b'", 3, 28)


def test_point_needs_an_affine_group():
    err = error(with_statement(1, "input x: 1o + point"))
    assert_error(err, "'point' needs an affine group", 3, 17, "E(d)/SE(d)")


def test_orientation_needs_rotations():
    err = error(model("group GL+(3)", "input x: orientation", "output y: T(0)", "method basis"))
    assert_error(err, "'orientation' needs a rotation group", 3, 12)


def test_point_inside_a_tensor_product():
    err = error(model("group E(3) x S(n)", "input x: point * T(1)", "output y: T(0)", "method basis"))
    assert_error(err, "'point' cannot be used inside a tensor product", 3, 12)


@pytest.mark.parametrize(
    ("rep", "message", "column", "hint"),
    [
        ("vectr", "unknown representation 'vectr'", 12, "did you mean 'vector'?"),
        ("t(1)", "unknown representation 't(...)'", 12, "did you mean 'T'?"),
        ("Tensor(1)", "unknown representation 'Tensor(...)'", 12, "T, dual"),
        ("T(1,2,3)", "T takes one or two non-negative integer orders", 12, "T(k,l)"),
        ("T(-1)", "T takes one or two non-negative integer orders", 12, None),
        ("T", "T needs its orders", 12, "T(k)"),
        ("0x1o", "multiplicity 0 is out of range", 12, "1 to"),
        ("2000000x1o", "multiplicity 2000000 is out of range", 12, "1,000,000"),
        ("1.5", "'1.5' is not a representation", 12, None),
        ("3", "'3' is not a representation", 12, None),
    ],
)
def test_bad_representations(rep, message, column, hint):
    assert_error(error(with_statement(1, f"input x: {rep}")), message, 3, column, hint)


def test_absurd_dimension_is_refused_before_allocation():
    err = error(with_statement(1, "input x: T(20)"))
    assert_error(err, "dimension about 10^9, over the limit of 10^7", 3, 12)
    err = error(with_statement(1, "input x: T(5000)"))
    assert "over the limit" in err.message
    err = error(with_statement(1, "input x: 3x" + "9" * 40 + "e"))
    assert "absurdly large" in err.message
    err = error(with_statement(1, "input x: 1000000x1o + 1000000x1o * 2e"))
    assert "over the limit" in err.message


def test_parse_rep_errors():
    with pytest.raises(SymcError, match="unknown representation 'pnt'") as caught:
        parse_rep("T(1) + pnt")
    assert caught.value.location.column == 8


# ---- method capabilities --------------------------------------------------------------------------


def test_attributes_cannot_produce_higher_order_outputs():
    text = model("group SE(3) x S(n)", "input pos: point", "output s: 2e global", "method attributes")
    assert_error(
        error(text), "method attributes cannot produce output 's': 2e is not a scalar", 4, 10, "tensor_product"
    )


def test_attributes_needs_positions():
    text = model("group E(3) x S(n)", "input v: 1o", "output s: 0e global", "method attributes")
    assert_error(error(text), "no input is a per-point `point`", 5, 3, "pos: point")


def test_attributes_needs_euclidean_group():
    text = model("group SO(3) x S(n)", "input v: 1o", "output s: 0e global", "method attributes")
    assert_error(error(text), "method attributes does not support SO(3)", 2, 3, "E(d) or SE(d)")


def test_tensor_product_needs_irreps_fields():
    text = model("group SO(3)", "input v: T(1)", "output s: 0e", "method tensor_product(lmax = 2)")
    assert_error(error(text), "needs fields written as irreps; 'v' contains T(1)", 3, 9, "T(1) → 1o")


def test_tensor_product_needs_three_dimensional_rotations():
    text = model("group SO(4)", "input v: T(1)", "output s: T(0)", "method tensor_product")
    assert_error(error(text), "method tensor_product does not support SO(4)", 2, 3, "SO(3), O(3), SE(3) or E(3)")


def test_basis_point_output_needs_a_set():
    text = model("group E(3)", "input p: point", "output q: point", "method basis")
    assert_error(error(text), "cannot output the point 'q' without an S(n) factor", 4, 10, "x S(n)")


def test_basis_refuses_piecewise_groups():
    text = model("group piecewise E(3) x S(n)", "input p: point", "output q: point", "method basis")
    assert_error(error(text), "method basis cannot enforce a piecewise group", 2, 3, "frames")


def test_soft_is_planned_and_refused_at_parse():
    text = model("group piecewise E(3) x S(n)", "input p: point", "output q: point", "method soft(basis)")
    assert_error(error(text), "method 'soft' is planned and not built yet", 5, 3, "methods built today")


def test_unknown_backbone():
    text = model("group E(3) x S(n)", "input p: point", "output q: point", "method frames(backbone = gnm(hidden = 4))")
    assert_error(error(text), "unknown backbone 'gnm'", 5, 28, "did you mean 'gnn'?")


def test_partition_arguments_need_a_piecewise_group():
    text = model("group E(3) x S(n)", "input p: point, l: T(0)", "output q: point", "method frames(labels = l)")
    assert_error(error(text), "'labels' and 'parts' describe the partition", 5, 3, "piecewise")


# ---- duplicates, references, missing statements -----------------------------------------------


def test_duplicate_fields():
    assert_error(error(with_statement(1, "input x: 1o, x: 0e")), "duplicate input 'x'", 3, 16)
    assert_error(error(with_statement(2, "output y: 0e, y: 0e")), "duplicate output 'y'", 4, 17)
    both = parse(with_statement(2, "output x: 1o"))
    assert both.inputs[0].name == both.outputs[0].name == "x"


def test_duplicate_statement():
    err = error(model(*BASE, "method basis"))
    assert_error(err, "duplicate 'method' statement", 6, 3, "line 5")


def test_duplicate_model_name():
    text = with_statement(0, "group SO(3)") + with_statement(0, "group O(3)")
    assert_error(error(text), "duplicate model name 'M'", 7, 7)


def test_undefined_graph_edges():
    text = model(
        "group S(n)", "input adjacency: T(0) per pair", "output y: T(0)", "locality graph(edges = adj)", "method basis"
    )
    assert_error(error(text), "'edges' of locality graph refers to 'adj', which is not an input", 5, 26, "adjacency")


def test_graph_edges_must_be_per_pair():
    text = model("group S(n)", "input h: T(0)", "output y: T(0)", "locality graph(h)", "method basis")
    assert_error(error(text), "needs a per-pair input; 'h' is point-indexed", 5, 18, "h: T(0) per pair")


def test_undefined_piecewise_labels():
    text = model("group piecewise E(3) x S(n)", "input p: point", "output q: point", "method frames(labels = part)")
    assert_error(error(text), "refers to 'part', which is not an input", 5, 26)


@pytest.mark.parametrize(
    ("statement", "message", "column", "hint"),
    [
        ("method bassis", "unknown method 'bassis'", 10, "did you mean 'basis'?"),
        ("method tensor_product(lmx = 2)", "method tensor_product has no keyword 'lmx'", 25, "did you mean 'lmax'?"),
        ("method basis(3)", "method basis takes no positional argument", 16, "takes no arguments"),
        ("method tensor_product(lmax = -1)", "'lmax' of method tensor_product must be at least 0, got -1", 32, None),
        (
            "method tensor_product(lmax = 1.5)",
            "'lmax' of method tensor_product expects an integer, got '1.5'",
            32,
            None,
        ),
        ("method tensor_product(impl = fft)", "must be one of gaunt, cg, auto; got 'fft'", 32, None),
        ("method tensor_product(2, lmax = 3)", "'lmax' is given twice", 28, None),
        ("method tensor_product(impl = cg, 2)", "positional argument after a keyword argument", 36, None),
        ("method soft(auto = 1)", "'auto' of method soft expects true or false", 22, None),
        ("method 3", "expected a method name, got '3'", 10, None),
    ],
)
def test_bad_method_calls(statement, message, column, hint):
    assert_error(error(with_statement(3, statement)), message, 5, column, hint)


@pytest.mark.parametrize(
    ("statement", "message", "column", "hint"),
    [
        ("locality knm(3)", "unknown locality 'knm'", 12, "did you mean 'knn'?"),
        ("locality knn", "locality knn needs 'k'", 12, "knn(k = ...)"),
        ("locality knn(0)", "'k' of locality knn must be at least 1, got 0", 16, None),
        ("locality radius(-1.5)", "'r' of locality radius must be positive, got -1.5", 19, None),
    ],
)
def test_bad_localities(statement, message, column, hint):
    text = model("group E(3) x S(n)", "input p: point", "output y: 0e", statement, "method basis")
    assert_error(error(text), message, 5, column, hint)


def test_distance_localities_need_points():
    err = error(model(*BASE, "locality knn(4)"))
    assert_error(err, "locality knn measures distances between points", 6, 3)


def test_unknown_indexing():
    assert_error(error(with_statement(1, "input x: 1o per pear")), "unknown indexing 'per pear'", 3, 19, "'pair'")


@pytest.mark.parametrize(
    ("statement", "message", "hint"),
    [
        ("nonlinearity rellu", "'nonlinearity' must be one of gated, relu, silu, tanh, norm; got 'rellu'", "'relu'"),
        ("dtype float16", "'dtype' must be one of float32, float64", None),
        ("readout 3", "'readout' must be one of sum, mean, max; got '3'", "choices"),
        ("layers 0", "'layers' must be between 1 and 1,000, got 0", None),
        ("layers two", "'layers' expects a positive integer, got 'two'", None),
        ("hidden 4xT(30)", "over the limit of 10^7", None),
    ],
)
def test_bad_knobs(statement, message, hint):
    err = error(model(*BASE, statement))
    assert message in err.message and err.location.line == 6
    if hint:
        assert hint in err.hint


@pytest.mark.parametrize(
    ("missing", "message", "hint"),
    [
        (0, "model 'M' has no 'group' statement", "group SO(3)"),
        (1, "model 'M' declares no input", "input x"),
        (2, "model 'M' declares no output", "output y"),
        (3, "model 'M' has no 'method' statement", "method basis"),
    ],
)
def test_missing_statements(missing, message, hint):
    statements = [s for i, s in enumerate(BASE) if i != missing]
    assert_error(error(model(*statements)), message, 1, 7, hint)


def test_empty_file():
    assert_error(error("# nothing here\n"), "no model in the spec", 1, 1, "model Name")


def test_load_reports_the_file_name(tmp_path):
    path = tmp_path / "bad.sym"
    path.write_text(with_statement(0, "group SE3"))
    with pytest.raises(SymcError) as caught:
        load(path)
    assert caught.value.location.file == str(path)
    assert str(path) + ":2:9: error: unknown group 'SE3'" in caught.value.render()


@pytest.mark.parametrize("name", ["os", "subprocess", "builtins", "importlib"])
def test_a_spec_naming_a_module_imports_nothing(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Specs are untrusted: a method or locality that names a Python module only meets fixed tables."""
    imported: list[str] = []
    real_import = importlib.import_module
    monkeypatch.setattr(
        importlib, "import_module", lambda module, *rest: imported.append(module) or real_import(module, *rest)
    )
    text = (Path(__file__).parent.parent / "specs" / "deepsets.sym").read_text()
    for variant in (
        text.replace("method basis", f"method {name}"),
        text.replace("locality complete", f"locality {name}"),
    ):
        with pytest.raises(SymcError, match=name):
            build_model(parse(variant))
    with pytest.raises(AttributeError):
        getattr(symc.nn, name)
    with pytest.raises(AttributeError):
        symc.__getattr__(name)  # the lazy-submodule hook itself, past symc's own imports
    assert all(module.startswith("symc.") for module in imported), imported


# ---- rules that were build-time refusals, now judged at parse (symc/methods/<name>/rules.py) ---------------

TP = ("group E(3) x S(n)", "input pos: point")
ATTR = ("group E(3) x S(n)", "input pos: point")
PIECEWISE = ("group piecewise E(3) x S(n)", "input pos: point")

MOVED_RULES = [
    # (statements, message, line, column, hint)
    (
        (*TP, "input b: 1o per pair", "output y: 0e global", "locality graph(b)", "method tensor_product"),
        "the edges field 'b' must be scalars (k x 0e); it contains 1o",
        4,
        9,
        "2x0e per pair",
    ),
    (
        (*ATTR, "input b: T(1) per pair", "output y: 0e global", "locality graph(b)", "method attributes"),
        "the edges field 'b' must be scalars (0e, T(0)); it contains T(1)",
        4,
        9,
        "2x0e per pair",
    ),
    (
        (*TP, "output y: 0e global", "method tensor_product(lmax = 30)"),
        "lmax = 30 is past the highest degree symc builds tables for (24)",
        5,
        3,
        "lmax ≤ 24",
    ),
    (
        (*TP, "input x: 2e", "output y: 0e global", "method tensor_product(lmax = 1)"),
        "field 'x' has irrep 2e; method tensor_product carries irreps of parity (-1)^l up to lmax = 1",
        4,
        9,
        "raise lmax",
    ),
    (
        (*TP, "input x: 0o", "output y: 0e global", "method tensor_product"),
        "field 'x' has irrep 0o",
        4,
        9,
        "0e, 1o, 2e",
    ),
    (
        (*TP, "output y: 1o global", "method tensor_product"),
        "global output 'y' must be scalars (k x 0e); it contains 1o",
        4,
        10,
        "energy: 0e global",
    ),
    (
        (*TP, "input x: 1o global", "output y: 0e global", "method tensor_product"),
        "method tensor_product takes per-point features; input 'x' is global",
        4,
        9,
        "per point",
    ),
    (
        (*TP, "output y: 0e per pair", "method tensor_product"),
        "produces per-point and global outputs; 'y' is per pair",
        4,
        10,
        "per point",
    ),
    (
        (*TP, "output y: point", "method tensor_product"),
        "method tensor_product reads one `point` (the positions); 'y' is another point field",
        4,
        10,
        "1o",
    ),
    (
        (*ATTR, "input a: T(0) per pair", "output y: 0e global", "method attributes"),
        "method attributes takes global and per-point fields; 'a' is per pair",
        4,
        9,
        "drop the per-pair field",
    ),
    (
        (*ATTR, "input a: T(2)", "output y: 0e global", "method attributes"),
        "method attributes cannot use T(2) in input 'a'",
        4,
        9,
        "orientation, frame",
    ),
    (
        (*ATTR, "input a: frame, b: frame", "output y: 0e global", "method attributes"),
        "method attributes uses one per-point frame field",
        4,
        19,
        "one `frame per point`",
    ),
    (
        (*ATTR, "input o: orientation", "output y: 0e global", "method attributes(orientations = 8)"),
        "orientations come from the data here ('o'), so a grid of orientations is not used",
        6,
        3,
        "drop `orientations = N`",
    ),
    (
        ("group E(1) x S(n)", "input pos: point", "output y: T(0) global", "method attributes(orientations = 4)"),
        "orientation grids exist on S^1 and S^2, not in d = 1",
        5,
        3,
        "drop `orientations = N`",
    ),
    (
        (*PIECEWISE, "output y: 1o", "method frames(pointnet)"),
        "a piecewise group needs its partition",
        5,
        3,
        "parts = 2",
    ),
    (
        (*PIECEWISE, "input l: T(1)", "output y: 1o", "method frames(labels = l, parts = 2)"),
        "part labels 'l' must be scalars",
        4,
        9,
        "part: T(0) per point",
    ),
    (
        (*PIECEWISE, "input l: 3xT(0)", "output y: 1o", "method frames(labels = l, parts = 2)"),
        "'l' has 3 score channels but parts = 2",
        6,
        3,
        "parts = 3",
    ),
    (
        (*PIECEWISE, "input l: T(0)", "output y: 1o", "method frames(labels = l)"),
        "integer part labels 'l' need the number of parts",
        6,
        3,
        "add `parts = k`",
    ),
    (
        ("group piecewise E(3) x S(n)", "input x: 1o", "output y: 1o", "method frames(parts = 2)"),
        "piecewise frames need a per-point `point` input",
        1,
        7,
        "input pos: point per point",
    ),
    (
        (*PIECEWISE, "output y: 1o, s: 1o global", "method frames(parts = 2)"),
        "global field 's' of a piecewise group must be invariant (scalars)",
        4,
        17,
        "only per-point fields",
    ),
    (
        (*PIECEWISE, "output y: 1o", "method frames(custom, parts = 2)"),
        "backbone = custom is not supported here",
        5,
        3,
        "pointnet",
    ),
    (
        ("group S(n)", "input x: T(0)", "output y: T(0)", "locality knn(2)", "method frames"),
        "backbone mlp flattens the point set",
        6,
        3,
        "S(5)",
    ),
    (
        ("group E(3) x S(n)", "input x: T(1)", "output y: point", "method frames(gnn)"),
        "field 'y' is a point, but translations can only be removed relative to a per-point `point` input",
        4,
        10,
        "input pos: point per point",
    ),
    (
        ("group E(3) x S(n)", "input x: point global", "output y: T(0) global", "method basis"),
        "field 'x' is a point, but translations can only be removed",
        3,
        9,
        "vector",
    ),
    (
        (
            "group S(5)",
            "input a: T(0) per pair, x: T(1) global",
            "output y: T(0) per point",
            "locality ego(2)",
            "method basis",
        ),
        "field 'x' is T(1): graph localities take channels of scalars",
        3,
        27,
        "4xT(0) per node",
    ),
    (
        ("group SO(3)", "input x: 1o", "output y: 1o", "method basis", "nonlinearity norm"),
        "nonlinearity 'norm' is not available for method basis",
        6,
        3,
        "gated",
    ),
]


@pytest.mark.parametrize(("statements", "message", "line", "column", "hint"), MOVED_RULES)
def test_rules_judged_at_parse(statements, message, line, column, hint):
    assert_error(error(model(*statements)), message, line, column, hint)


def test_gated_names_the_default_gates_of_method_basis():
    spec = parse(model("group SO(3)", "input x: 1o", "output y: 1o", "method basis", "nonlinearity gated", "hidden 4"))
    assert build_model(spec) is not None


def test_backbone_and_grid_sizes_past_their_resource_bounds_are_refused_at_parse():
    text = model("group E(3) x S(n)", "input p: point", "output q: point", "method frames(gnn(hidden = 100000))")
    assert_error(error(text), "'hidden' of backbone gnn must be at most 4096, got 100000", 5, 30, "memory")
    text = model("group E(3) x S(n)", "input p: point", "output e: 0e global", "method attributes(orientations = 5000)")
    assert_error(error(text), "'orientations' of method attributes must be at most 4096", 5, 36)
