"""Lowering .sym text to the IR: exact IR for the documented examples, defaults, canonical round trips."""

from __future__ import annotations

from pathlib import Path

import pytest

from symc.errors import SymcError
from symc.frontend import load, parse, parse_group, parse_program
from symc.ir import (
    ArchitectureSpec,
    CallValue,
    FieldSpec,
    GroupFactor,
    GroupSpec,
    Irrep,
    LocalitySpec,
    MethodSpec,
    MultipleRep,
    Point,
    SumRep,
    TensorRep,
)

SPECS = Path(__file__).resolve().parents[1] / "specs"

NBODY = """\
# N-body dynamics: E(3) x S(n), enforced by frame averaging around a plain GNN
model NBody {
  group    E(3) x S(n)
  input    pos: point, vel: 1o, charge: 0e      # per-point fields by default when the group has S(n)
  output   pos: point
  locality complete
  method   frames(backbone = gnn(hidden = 64, layers = 4))
}
"""

INERTIA = """\
model Inertia {
  group  O(3)
  input  x: 5xT(1)            # global fields by default without S(n)
  output I: T(2)
  method basis
  hidden 32xT(0) + 16xT(1) + 8xT(2)
  layers 3
  nonlinearity gated
  dtype float64
}
"""

# One model per construct of the language, each to be lowered and round-tripped.
CONSTRUCTS = [
    NBODY,
    INERTIA,
    "model A { group SO(3); input x: T(1,1) + dual(T(1)) * T(2); output y: 2x(0e + 1o); method basis }",
    "model A { group GL+(3); input x: T(2,1) global; output y: T(1,1) global; method basis; hidden 16 }",
    "model A { group Lorentz; input p: 4xT(1); output s: T(0); method basis; readout sum }",
    "model A { group Sp(4) × S(7); input q: vector per node; output e: scalar global; method basis }",
    "model A { group S(n); input adj: T(0) per edge, h: 3T(0); output y: T(0) global; locality graph(adj); "
    "method basis; nonlinearity relu; readout max; dtype float32 }",
    "model A { group SE(3) x S(n); input pos: point, o: orientation, f: frame; output e: 0e global\n"
    "  locality radius(2); method attributes }",
    "model A { group E(3) x S(n); input pos: point, h: 4x0e + 2x1o; output F: 1o; locality knn(8)\n"
    "  method tensor_product(3, impl = gaunt) }",
    "model A { group piecewise E(3) x S(n); input pos: point, part: T(0); output pos: point\n"
    "  method frames(mlp, labels = part, parts = 2) }",
    "model A { group S(n); input adj: T(0) per pair, h: T(0); output y: T(0); locality ego(2, edges = adj)\n"
    "  method basis }",
    "model A { group E(3) x S(n); input p: point; output d: 0e global; method attributes(orientations = 12) }",
    "model A { group C(4) x S(n); input v: T(1); output d: T(0); locality global; method basis }",
    "model A { group SO(3) x S(n); input v: T(1); output d: T(0); method frames(custom) }",
    "model A { group SL(3); input x: 3xT(1); output y: T(0); method basis; nonlinearity tanh }",
    "model A { group T(2) x S(n); input p: point; output c: point global; method basis; layers 2 }",
]


def test_nbody_lowers_to_the_expected_ir():
    spec = parse(NBODY, filename="nbody.sym")
    assert spec.name == "NBody"
    assert spec.group == GroupSpec((GroupFactor("E", (3,)), GroupFactor("S", ("n",))))
    assert spec.inputs == (
        FieldSpec("pos", Point(), 1),
        FieldSpec("vel", Irrep(1, -1), 1),
        FieldSpec("charge", Irrep(0, 1), 1),
    )
    assert spec.outputs == (FieldSpec("pos", Point(), 1),)
    assert spec.locality == LocalitySpec("complete")
    backbone = CallValue("gnn", (("hidden", 64), ("layers", 4)))
    assert spec.method == MethodSpec("frames", (("backbone", backbone),))
    assert spec.architecture == ArchitectureSpec()


def test_inertia_lowers_to_the_expected_ir():
    spec = parse(INERTIA)
    assert spec.group == GroupSpec((GroupFactor("O", (3,)),))
    assert spec.inputs == (FieldSpec("x", MultipleRep(5, TensorRep(1)), 0),)
    assert spec.outputs == (FieldSpec("I", TensorRep(2), 0),)
    hidden = SumRep((MultipleRep(32, TensorRep(0)), MultipleRep(16, TensorRep(1)), MultipleRep(8, TensorRep(2))))
    assert spec.architecture == ArchitectureSpec(hidden=hidden, layers=3, nonlinearity="gated", dtype="float64")
    assert spec.method == MethodSpec("basis")


def test_locations_point_at_the_source():
    spec = parse(NBODY, filename="nbody.sym")
    assert (spec.loc.file, spec.loc.line, spec.loc.column) == ("nbody.sym", 2, 7)
    vel = spec.inputs[1].loc
    assert (vel.line, vel.column, vel.length) == (4, 24, 3)
    assert vel.line_text.strip().startswith("input")
    assert spec.method.loc.line == 7


@pytest.mark.parametrize("text", CONSTRUCTS)
def test_canonical_text_round_trips(text):
    spec = parse(text)
    again = parse(spec.canonical_text())
    assert again == spec
    assert again.canonical_text() == spec.canonical_text()
    assert again.ir_hash() == spec.ir_hash()


@pytest.mark.parametrize("path", sorted(SPECS.glob("*.sym")), ids=lambda p: p.name)
def test_example_specs_round_trip(path):
    for spec in parse_program(path.read_text(), filename=str(path)).models:
        assert parse(spec.canonical_text()) == spec


def test_method_and_locality_arguments_are_normalised():
    head = "model A { group E(3) x S(n); input p: point, x: 1o; output y: 0e global; "
    a = parse(head + "method tensor_product }")
    b = parse(head + "method tensor_product(impl = auto, lmax = 2) }")
    assert a == b and a.ir_hash() == b.ir_hash()
    assert a.method.kwargs == (("lmax", 2), ("impl", "auto"))
    points = "model A { group E(3) x S(n); input p: point; output y: 0e"
    knn = parse(points + " global; locality knn(k = 8); method attributes }")
    assert knn.locality == LocalitySpec("knn", (("k", 8),))
    radius = parse(points + "; locality radius(2); method attributes }")
    assert radius.locality.get("r") == 2.0 and isinstance(radius.locality.get("r"), float)
    frames = parse("model A { group E(3) x S(4); input p: point; output q: point; method frames }")
    assert frames.method.get("backbone") == CallValue("mlp")


def test_indexing_words_and_defaults():
    spec = parse(
        "model A { group S(n); input a: T(0) per node, b: T(0) per edge, c: T(0) global, d: T(0)\n"
        "  output y: T(0) per point; method basis }"
    )
    assert [f.order for f in spec.inputs] == [1, 2, 0, 1]
    assert parse("model A { group SO(3); input a: 1o; output y: 0e; method basis }").inputs[0].order == 0


def test_spelling_variants_lower_to_the_same_ir():
    a = parse("model A { group E(3) × S(n); input x: 2x T(1) ⊗ T(1) per point; output y: scalar; method basis }")
    b = parse("model A { group E(3) x S(n); input x: 2xT(1) * T(1); output y: T(0); method basis }")
    assert a == b
    assert parse_group("Lorentz") == parse_group("SO+(1,3)") == GroupSpec((GroupFactor("SO+", (1, 3)),))


def test_parse_group_and_piecewise():
    group = parse_group("piecewise SE(3) x S(n)")
    assert group.factors[0] == GroupFactor("SE", (3,), piecewise=True)
    assert str(group) == "piecewise SE(3) x S(n)"


def test_several_models_need_a_name(tmp_path):
    text = "model A { group SO(3); input x: 1o; output y: 0e; method basis }\n" + (
        "model B { group O(3); input x: 1o; output y: 0e; method basis }"
    )
    with pytest.raises(SymcError) as err:
        parse(text, filename="two.sym")
    assert "A, B" in err.value.message and "model=" in err.value.hint
    assert parse(text, model="B").group == parse_group("O(3)")
    with pytest.raises(SymcError, match="no model 'C'"):
        parse(text, model="C")
    path = tmp_path / "two.sym"
    path.write_text(text)
    assert load(path, model="A").name == "A"
    assert load(path, model="A").loc.file == str(path)
    assert [m.name for m in parse_program(text).models] == ["A", "B"]


def test_load_missing_file_is_a_symc_error(tmp_path):
    with pytest.raises(SymcError, match="no spec file"):
        load(tmp_path / "missing.sym")


def test_spec_text_is_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    payload = f"__import__('os').system('touch {marker}')"
    evil = f'model A {{ group SO(3); input x: 1o; output y: 0e; method soft(base = "{payload}") }}'
    with pytest.raises(SymcError):
        parse(evil)
    assert not marker.exists()
