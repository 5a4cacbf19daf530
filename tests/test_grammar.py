"""The grammar and lexer: every construct parses, corner cases lex as intended, rep text round-trips."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lark import Tree

from symc.frontend import parse_rep
from symc.frontend.source import SourceText
from symc.frontend.syntax import parse_tree, parser
from symc.ir import (
    DualRep,
    Irrep,
    MultipleRep,
    Orientation,
    Point,
    ProductRep,
    RotationFrame,
    SumRep,
    TensorRep,
)


def tree(text: str, start: str = "start") -> Tree:
    return parse_tree(SourceText(text), start)


def test_parser_is_lalr_and_built_once():
    assert parser() is parser()
    assert parser().options.parser == "lalr"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2x0e + 1x1o", SumRep((MultipleRep(2, Irrep(0, 1)), MultipleRep(1, Irrep(1, -1))))),
        ("3xT(1)", MultipleRep(3, TensorRep(1))),
        ("3x T(1)", MultipleRep(3, TensorRep(1))),
        ("3 x T(1)", MultipleRep(3, TensorRep(1))),
        ("3T(1)", MultipleRep(3, TensorRep(1))),
        ("10x10e", MultipleRep(10, Irrep(10, 1))),
        ("0e+1o", SumRep((Irrep(0, 1), Irrep(1, -1)))),
        ("T(1) * T(1)", ProductRep((TensorRep(1), TensorRep(1)))),
        ("T(1) ⊗ dual(T(1))", ProductRep((TensorRep(1), DualRep(TensorRep(1))))),
        ("2xT(1) * 0e", ProductRep((MultipleRep(2, TensorRep(1)), Irrep(0, 1)))),
        ("2x(T(1) + 0e)", MultipleRep(2, SumRep((TensorRep(1), Irrep(0, 1))))),
        ("T(2,1)", TensorRep(2, 1)),
        ("scalar + vector", SumRep((TensorRep(0), TensorRep(1)))),
        ("point + orientation + frame", SumRep((Point(), Orientation(), RotationFrame()))),
        ("(0e + 1o) + 2e", SumRep((SumRep((Irrep(0, 1), Irrep(1, -1))), Irrep(2, 1)))),
    ],
)
def test_rep_notation(text, expected):
    assert parse_rep(text) == expected


def test_exponent_floats_do_not_swallow_irreps():
    method = tree("model M {\n  method soft(weight = 1e-3)\n  hidden 0e+1o\n}")
    tokens = {t.type: str(t) for t in method.scan_values(lambda v: True)}
    assert tokens["FLOAT"] == "1e-3"
    assert tokens["IRREP"] in ("0e", "1o")


def test_keywords_are_plain_names_where_a_name_is_expected():
    text = "model M {\n  input group: T(1) global, global: T(0) per pair, x: 2xT(1)\n}"
    fields = list(tree(text).find_data("field"))
    assert [str(f.children[0]) for f in fields] == ["group", "global", "x"]


def test_separators_comments_and_continuation_lines():
    text = """
    # leading comment

    model M { group SO(3); input x: T(1) ; output y: T(0) }   # trailing
    model N {
      group E(3) x S(n)   # comment after a statement
      input pos: point,
            vel: 1o
      method frames(
          backbone = gnn(hidden = 64,
                         layers = 4))
    }
    """
    models = list(tree(text).find_data("model"))
    assert [str(m.children[0]) for m in models] == ["M", "N"]
    assert len(list(models[1].find_data("field"))) == 2


def test_group_products_and_piecewise():
    t = tree("piecewise E(3) × S(n) x SO+(1,3) x Lorentz", "group_only")
    names = [str(v) for v in t.scan_values(lambda v: v.type in ("GROUP_NAME", "PIECEWISE"))]
    assert names == ["piecewise", "E", "S", "SO+", "Lorentz"]


REP_LEAVES = st.one_of(
    st.builds(TensorRep, st.integers(0, 3), st.integers(0, 2)),
    st.builds(Irrep, st.integers(0, 12), st.sampled_from([1, -1])),
)


def _extend(children):
    return st.one_of(
        st.lists(children, min_size=2, max_size=3).map(lambda xs: SumRep(tuple(xs))),
        st.lists(children, min_size=2, max_size=3).map(lambda xs: ProductRep(tuple(xs))),
        st.builds(DualRep, children),
        st.builds(MultipleRep, st.integers(1, 40), children),
    )


LINEAR_REPS = st.recursive(REP_LEAVES, _extend, max_leaves=8)
# Points, orientations and frames are not linear: they appear only in sums and multiples.
GEOMETRIC = st.sampled_from([Point(), Orientation(), RotationFrame()])
ANY_REPS = st.one_of(
    LINEAR_REPS,
    st.builds(MultipleRep, st.integers(1, 5), GEOMETRIC),
    st.lists(st.one_of(LINEAR_REPS, GEOMETRIC), min_size=2, max_size=4).map(lambda xs: SumRep(tuple(xs))),
)


@settings(max_examples=80, deadline=None)
@given(ANY_REPS)
def test_canonical_rep_text_round_trips(rep):
    assert parse_rep(str(rep)) == rep
