"""Did-you-mean hints name the word a user most plausibly meant (issue 19, part 4).

Each case is a typical typo: a tiny spec goes through ``symc.parse`` (or the text through ``symc.group``)
and the hint of the ``SymcError`` must name the intended word. When nothing is close, the hint lists the
known names instead.
"""

from __future__ import annotations

import pytest

import symc
from symc.errors import SymcError
from symc.ir.suggest import closest, did_you_mean, edit_distance, ranked, similarity


def model(*statements: str) -> str:
    return "model M {\n" + "".join(f"  {s}\n" for s in statements) + "}\n"


SO3 = ("group SO(3)", "input x: 1o", "output y: 0e", "method basis")
E3_SET = ("group E(3) x S(n)", "input p: point", "output y: 0e", "method basis")
GRAPH = ("group S(n)", "input adjacency: T(0) per pair, h: T(0)", "output y: T(0)", "method basis")


def replaced(base: tuple[str, ...], index: int, statement: str) -> str:
    statements = list(base)
    statements[index] = statement
    return model(*statements)


def parse_error(text: str) -> SymcError:
    with pytest.raises(SymcError) as caught:
        symc.parse(text)
    return caught.value


def group_error(text: str) -> SymcError:
    with pytest.raises(SymcError) as caught:
        symc.group(text)
    return caught.value


def assert_suggests(error: SymcError, suggestion: str) -> None:
    assert error.hint is not None and f"did you mean {suggestion}?" in error.hint, error.render()


# ---- the ranking itself ----------------------------------------------------------------------------


def test_case_insensitive_match_comes_first():
    # difflib alone prefers 'S' for 'So' (one deletion); the letters of 'SO' match ignoring case.
    assert closest("So", ["S", "SO", "SE", "O"]) == "SO"
    assert closest("KNN", ["knn", "kn"]) == "knn"


def test_separators_and_punctuation_are_ignored():
    assert closest("tensor-product", ["basis", "tensor_product"]) == "tensor_product"
    assert closest("TensorProduct", ["tensor_product", "tensor"]) == "tensor_product"
    assert closest("gl", ["SL", "GL+", "O"]) == "GL+"
    # A tie on the letters goes to the spelling closest as written.
    assert ranked("S_O", ["SO+", "SO"]) == ["SO", "SO+"]


def test_transposition_is_one_edit():
    assert edit_distance("nkn", "knn") == 1
    assert edit_distance("dytpe", "dtype") == 1
    assert edit_distance("kitten", "sitting", vowel_swap=1.0) == 3
    assert edit_distance("kitten", "sitting") == 2.5  # e → i is a vowel for a vowel
    assert closest("nkn", ["complete", "knn", "radius"]) == "knn"


def test_vowel_confusions_are_cheap_in_long_words_only():
    assert closest("pear", ["point", "node", "pair", "edge"]) == "pair"
    assert closest("selu", ["gated", "relu", "silu", "tanh", "norm"]) == "silu"
    assert closest("SU", ["SO", "O", "S"]) is None  # SU(2) is another group, not a typo of SO(2)


def test_prefixes_and_suffixes_count():
    assert closest("ego_net", ["complete", "global", "knn", "radius", "ego", "graph"]) == "ego"
    assert closest("gaunt_fft", ["gaunt", "cg", "auto"]) == "gaunt"
    assert closest("attr", ["basis", "frames", "attributes"]) == "attributes"


def test_nothing_absurdly_far_is_suggested():
    assert closest("xyz", ["basis", "frames", "attributes", "tensor_product"]) is None
    assert closest("Foo", ["S", "SO", "O", "E", "T"]) is None
    assert similarity("abc", "xyz") == 0.0
    assert did_you_mean("zzz", ["sum", "mean", "max"], "choices") == "known choices: sum, mean, max"
    assert did_you_mean("mena", ["sum", "mean", "max"], "choices") == "did you mean 'mean'?"


def test_cutoff_one_takes_only_equal_letters():
    assert closest("se", ["SE", "S"], cutoff=1.0) == "SE"
    assert closest("sx", ["SE", "S"], cutoff=1.0) is None


# ---- groups (symc.group and the group line of a spec) ------------------------------------------------

GROUP_TYPOS = [
    ("So(3)", "SO(3)"),
    ("so(3)", "SO(3)"),
    ("so(4)", "SO(4)"),
    ("so3", "SO(3)"),
    ("SO3", "SO(3)"),
    ("se3", "SE(3)"),
    ("SE3", "SE(3)"),
    ("SE_3", "SE(3)"),
    ("se(3)", "SE(3)"),
    ("Se(2)", "SE(2)"),
    ("SE 3", "SE(3)"),
    ("O3", "O(3)"),
    ("o(2)", "O(2)"),
    ("e(3)", "E(3)"),
    ("t(3)", "T(3)"),
    ("Sp4", "Sp(4)"),
    ("sp(6)", "Sp(6)"),
    ("sl(3)", "SL(3)"),
    ("gl+(3)", "GL+(3)"),
    ("GL(3)", "GL+(3)"),
    ("gl+3", "GL+(3)"),
    ("aff(2)", "Aff+(2)"),
    ("so+(1,3)", "SO+(1,3)"),
    ("So+(1,2)", "SO+(1,2)"),
    ("SO + (1,3)", "SO+(1,3)"),
    ("SO(1,3)+", "SO+(1,3)"),
    ("SO+3", "SO+(1,3)"),
    ("SOplus(1,3)", "SO+(1,3)"),
    ("lorentz", "Lorentz"),
    ("Lorenz", "Lorentz"),
    ("sn", "S(n)"),
    ("s(n)", "S(n)"),
    ("S_n", "S(n)"),
    ("c(4)", "C(4)"),
    ("d6", "D(6)"),
    ("dihedral(8)", "D(8)"),
    ("SO(3) x sn", "S(n)"),
    ("SO(3) * S(5)", "'x'"),
]


@pytest.mark.parametrize(("text", "suggestion"), GROUP_TYPOS)
def test_group_typos(text, suggestion):
    assert_suggests(group_error(text), suggestion)


@pytest.mark.parametrize(("text", "suggestion"), [("So(3)", "SO(3)"), ("se3", "SE(3)"), ("SO + (1,3)", "SO+(1,3)")])
def test_group_typos_in_a_spec(text, suggestion):
    error = parse_error(replaced(SO3, 0, f"group {text}"))
    assert_suggests(error, suggestion)
    assert error.location is not None and error.location.line == 2


def test_unknown_group_far_from_all_lists_the_groups():
    for text in ("Foo(3)", "U(1)", "SU(2)"):
        hint = group_error(text).hint
        assert hint.startswith("known groups: ") and "SO(3)" in hint and "Lorentz" in hint


# ---- representations ---------------------------------------------------------------------------------

REP_TYPOS = [
    ("1O", "'1o'"),
    ("0E", "'0e'"),
    ("1 o", "'1o'"),
    ("2x1O", "'1o'"),
    ("poin", "'point'"),
    ("Point", "'point'"),
    ("orientaton", "'orientation'"),
    ("vectr", "'vector'"),
    ("Vector", "'vector'"),
    ("scaler", "'scalar'"),
    ("fram", "'frame'"),
    ("t (1)", "'T'"),
    ("Dual(T(1))", "'dual'"),
]


@pytest.mark.parametrize(("rep", "suggestion"), REP_TYPOS)
def test_rep_typos(rep, suggestion):
    assert_suggests(parse_error(replaced(E3_SET, 1, f"input x: {rep}")), suggestion)


def test_spaced_tensor_call_is_accepted():
    spec = symc.parse(replaced(E3_SET, 1, "input x: T (1)"))
    assert str(spec.inputs[0].rep) == "T(1)"


def test_unknown_rep_far_from_all_lists_the_named_reps():
    hint = parse_error(replaced(E3_SET, 1, "input x: qqq")).hint
    assert hint.startswith("known named representations") and "orientation" in hint


# ---- methods, statements (knobs), localities ------------------------------------------------------------

METHOD_TYPOS = [
    ("Basis", "'basis'"),
    ("frame", "'frames'"),
    ("Frames(gnn)", "'frames'"),
    ("tensorproduct", "'tensor_product'"),
    ("TensorProduct", "'tensor_product'"),
    ("tensor-product", "'tensor_product'"),
    ("tensor_prodcut", "'tensor_product'"),
    ("atributes", "'attributes'"),
    ("attribute", "'attributes'"),
]


@pytest.mark.parametrize(("method", "suggestion"), METHOD_TYPOS)
def test_method_typos(method, suggestion):
    assert_suggests(parse_error(replaced(E3_SET, 3, f"method {method}")), suggestion)


def test_unknown_method_far_from_all_lists_the_methods():
    hint = parse_error(replaced(E3_SET, 3, "method xyz")).hint
    assert hint.startswith("known methods: ") and "basis" in hint and "tensor_product" in hint


STATEMENT_TYPOS = [
    ("hiden 16", "'hidden'"),
    ("Hidden 16", "'hidden'"),
    ("layer 2", "'layers'"),
    ("Layers 2", "'layers'"),
    ("nonlinearty relu", "'nonlinearity'"),
    ("dytpe float32", "'dtype'"),
    ("dtypes float32", "'dtype'"),
    ("read_out sum", "'readout'"),
    ("readuot sum", "'readout'"),
    ("Method basis", "'method'"),
    ("methods basis", "'method'"),
    ("outputs z: 0e", "'output'"),
    ("localities knn(3)", "'locality'"),
]


@pytest.mark.parametrize(("statement", "suggestion"), STATEMENT_TYPOS)
def test_statement_typos(statement, suggestion):
    assert_suggests(parse_error(model(*E3_SET, statement)), suggestion)


LOCALITY_TYPOS = [
    ("radious(1.0)", "'radius'"),
    ("raduis(1.0)", "'radius'"),
    ("KNN(3)", "'knn'"),
    ("Knn(3)", "'knn'"),
    ("nkn(3)", "'knn'"),
    ("ego_net(2)", "'ego'"),
    ("egonet(2)", "'ego'"),
    ("ego-net(2)", "'ego'"),
    ("Complete", "'complete'"),
    ("complet", "'complete'"),
    ("knn(K = 3)", "'k'"),
]


@pytest.mark.parametrize(("locality", "suggestion"), LOCALITY_TYPOS)
def test_locality_typos(locality, suggestion):
    assert_suggests(parse_error(model(*E3_SET, f"locality {locality}")), suggestion)


# ---- knob values and method keywords ---------------------------------------------------------------------

KNOB_VALUE_TYPOS = [
    ("dtype float46", "'float64'"),
    ("dtype Float32", "'float32'"),
    ("dtype float_64", "'float64'"),
    ("nonlinearity gelu", "'relu'"),
    ("nonlinearity reul", "'relu'"),
    ("nonlinearity selu", "'silu'"),
    ("nonlinearity SiLU", "'silu'"),
    ("nonlinearity tahn", "'tanh'"),
    ("nonlinearity gate", "'gated'"),
    ("readout mena", "'mean'"),
    ("readout Sum", "'sum'"),
]


@pytest.mark.parametrize(("statement", "suggestion"), KNOB_VALUE_TYPOS)
def test_knob_value_typos(statement, suggestion):
    assert_suggests(parse_error(model(*SO3, statement)), suggestion)


def test_knob_value_far_from_all_lists_the_choices():
    assert parse_error(model(*SO3, "readout avg")).hint == "known choices: sum, mean, max"


TENSOR_PRODUCT_TYPOS = [
    ("impl = gaunt_fft", "'gaunt'"),
    ("impl = Gaunt_FFT", "'gaunt'"),
    ("impl = gauntfft", "'gaunt'"),
    ("impl = gaunt-fft", "'gaunt'"),
    ("impl = Gaunt", "'gaunt'"),
    ("impl = gunt", "'gaunt'"),
    ("impl = CG", "'cg'"),
    ("impl = cgg", "'cg'"),
    ("impl = auto_", "'auto'"),
    ("Impl = cg", "'impl'"),
    ("LMAX = 2", "'lmax'"),
    ("l_max = 2", "'lmax'"),
]


@pytest.mark.parametrize(("arguments", "suggestion"), TENSOR_PRODUCT_TYPOS)
def test_tensor_product_argument_typos(arguments, suggestion):
    assert_suggests(parse_error(replaced(SO3, 3, f"method tensor_product({arguments})")), suggestion)


BACKBONE_TYPOS = [
    ("backbone = GNN", "'gnn'"),
    ("backbone = point_net", "'pointnet'"),
    ("backbone = mpl", "'mlp'"),
    ("Backbone = gnn", "'backbone'"),
    ("backbone = mlp(Hidden = 8)", "'hidden'"),
    ("backbone = gnn(layer = 2)", "'layers'"),
]


@pytest.mark.parametrize(("arguments", "suggestion"), BACKBONE_TYPOS)
def test_backbone_typos(arguments, suggestion):
    assert_suggests(parse_error(replaced(E3_SET, 3, f"method frames({arguments})")), suggestion)


# ---- fields and indexings ---------------------------------------------------------------------------------

FIELD_TYPOS = [
    ("locality graph(edges = adjacancy)", "'adjacency'"),
    ("locality graph(edges = Adjacency)", "'adjacency'"),
    ("locality graph(edges = adj)", "'adjacency'"),
    ("locality graph(edges = adj-acency)", "'adjacency'"),
]


@pytest.mark.parametrize(("statement", "suggestion"), FIELD_TYPOS)
def test_field_reference_typos(statement, suggestion):
    assert_suggests(parse_error(model(*GRAPH, statement)), suggestion)


@pytest.mark.parametrize(
    ("indexing", "suggestion"), [("Point", "'point'"), ("points", "'point'"), ("pear", "'pair'"), ("edges", "'edge'")]
)
def test_indexing_typos(indexing, suggestion):
    assert_suggests(parse_error(replaced(GRAPH, 1, f"input h: T(0) per {indexing}")), suggestion)


def test_hyphenated_field_name_suggests_an_underscore():
    error = parse_error(replaced(GRAPH, 1, "input my-field: T(0)"))
    assert_suggests(error, "'my_field'")
    assert "'_'" in error.hint


def test_typo_count():
    cases = (
        GROUP_TYPOS,
        REP_TYPOS,
        METHOD_TYPOS,
        STATEMENT_TYPOS,
        LOCALITY_TYPOS,
        KNOB_VALUE_TYPOS,
        TENSOR_PRODUCT_TYPOS,
        BACKBONE_TYPOS,
        FIELD_TYPOS,
    )
    assert sum(len(c) for c in cases) >= 30


@pytest.mark.parametrize(("text", "suggestion"), [("2x0e + 1x1O", "'1o'"), ("0E + 1o", "'0e'")])
def test_irreps_text_typos(text, suggestion):
    from symc.frontend.reps import parse_irreps

    with pytest.raises(SymcError) as caught:
        parse_irreps(text)
    assert_suggests(caught.value, suggestion)
