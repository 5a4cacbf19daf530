"""The torch backend for ``method basis``: exact equivariance, the field contract, layers and summary."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from symc.errors import SymcError
from symc.frontend import parse
from symc.groups import act_on_field, group
from symc.ir import GroupFactor, GroupSpec, ModelSpec, MultipleRep, SumRep, TensorRep
from symc.layers.bases import BasisProvider
from symc.layers.blocks import Block, FeatureLayout, rep_terms
from symc.layers.hidden import uniform_hidden_rep
from symc.layers.linear import EquivariantLinear
from symc.methods import build_model
from symc.methods.basis.builder import BasisModel
from symc.solvers import solve_equivariant_basis

F64 = torch.float64


def spec_text(name: str, group_text: str, inputs: str, outputs: str, extra: str = "") -> str:
    return (
        f"model {name} {{\n  group {group_text}\n  input {inputs}\n  output {outputs}\n"
        f"  locality complete\n  method basis\n{extra}}}\n"
    )


EXACT_CASES = {
    "o5_invariant": spec_text(
        "O5", "O(5)", "x1: T(1) global, x2: T(1) global", "y: T(0) global", "  hidden 8xT(0) + 2xT(1)\n"
    ),
    "lorentz": spec_text(
        "Lorentz",
        "SO+(1,3)",
        "q1: T(1) global, q2: T(1) global, p1: T(1) global, p2: T(1) global",
        "amplitude: T(0) global",
        "  hidden 8xT(0) + 2xT(1) + 1xT(2)\n",
    ),
    "inertia": spec_text(
        "Inertia", "O(3) x S(n)", "m: T(0) per point, x: T(1) per point", "I: T(2) global", "  hidden 30\n"
    ),
    "gl3": spec_text("GL3", "GL+(3)", "A: T(1,1) global", "B: T(1,1) global", "  hidden 6xT(0) + 2xT(1,1)\n"),
    "deepsets": spec_text(
        "DeepSets", "S(n)", "h: 3xT(0) per point, c: T(0) per point", "y: 2xT(0) global", "  hidden 12\n"
    ),
    "graph": spec_text(
        "Graph",
        "S(n)",
        "adjacency: T(0) per pair, features: 2xT(0) per point",
        "node: T(0) per point, edge: T(0) per pair, total: T(0) global",
        "  hidden 6\n",
    ),
    "so3_vectors": spec_text(
        "Vectors",
        "SO(3) x S(n)",
        "s: 0e per point, v: 1o per point",
        "u: 1o per point, q: 2e global",
        "  hidden 4x0e + 2x1o + 1x2e\n",
    ),
    "e3_points": spec_text(
        "Points",
        "E(3) x S(n)",
        "pos: point per point, z: T(0) per point",
        "pos: point per point, e: T(0) global",
        "  hidden 20\n",
    ),
}


def build64(text: str, **knobs) -> BasisModel:
    spec = parse(text)
    architecture = dataclasses.replace(spec.architecture, dtype="float64", layers=knobs.get("layers", 2))
    return build_model(dataclasses.replace(spec, architecture=architecture))


def concrete_group(spec: ModelSpec, n: int):
    factors = tuple(
        dataclasses.replace(f, args=tuple(n if isinstance(a, str) else a for a in f.args)) for f in spec.group.factors
    )
    return group(GroupSpec(factors))


def random_inputs(model: BasisModel, batch: int, n: int, gen: torch.Generator) -> dict[str, torch.Tensor]:
    values = {}
    for plan in model.packer.inputs:
        values[plan.name] = torch.randn(batch, *([n] * plan.order), plan.dim, generator=gen, dtype=F64)
    return values


def perturb_parameters(model: torch.nn.Module, gen: torch.Generator) -> None:
    """Make every parameter (biases start at zero) non-trivial so the check covers all of them."""
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.3 * torch.randn(p.shape, generator=gen, dtype=p.dtype))


def equivariance_error(model: BasisModel, n: int, seed: int, batch: int = 3) -> float:
    """max |f(g·x) − g·f(x)| / max |g·f(x)| over every output, for random inputs and group elements."""
    gen = torch.Generator().manual_seed(seed)
    G = concrete_group(model.spec, n)
    g = G.sample(batch, generator=gen)
    x = random_inputs(model, batch, n, gen)
    moved = {f.name: act_on_field(G, f, g, x[f.name]) for f in model.spec.inputs}
    with torch.no_grad():
        out, out_moved = model(x), model(moved)
    errors, scales = [], []
    for f in model.spec.outputs:
        expected = act_on_field(G, f, g, out[f.name])
        errors.append((out_moved[f.name] - expected).abs().max())
        scales.append(expected.abs().max())
    return float(torch.stack(errors).max() / torch.stack(scales).max())


@pytest.fixture(scope="module", params=sorted(EXACT_CASES))
def exact_model(request) -> BasisModel:
    model = build64(EXACT_CASES[request.param])
    perturb_parameters(model, torch.Generator().manual_seed(1))
    return model


@settings(max_examples=4, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(2, 6))
def test_exactly_equivariant(exact_model: BasisModel, seed: int, n: int) -> None:
    assert equivariance_error(exact_model, n, seed) <= 1e-9


def test_equivariance_check_detects_a_broken_model() -> None:
    """The local checker is not vacuous: a non-equivariant map of the same shapes fails it."""
    model = build64(EXACT_CASES["inertia"])

    class Broken(torch.nn.Module):
        spec = model.spec
        packer = model.packer

        def forward(self, inputs):
            out = model(inputs)
            return {"I": out["I"] + inputs["x"][:, 0, :1].repeat(1, 9)}

    assert equivariance_error(Broken(), 5, seed=3) > 1e-3


def test_outputs_have_documented_shapes() -> None:
    model = build64(EXACT_CASES["graph"])
    gen = torch.Generator().manual_seed(0)
    out = model(random_inputs(model, 4, 7, gen))
    assert out["node"].shape == (4, 7, 1)
    assert out["edge"].shape == (4, 7, 7, 1)
    assert out["total"].shape == (4, 1)


def test_unbatched_sample_gives_unbatched_outputs() -> None:
    model = build64(EXACT_CASES["inertia"])
    x = random_inputs(model, 2, 5, torch.Generator().manual_seed(0))
    batched = model(x)
    single = model({k: v[1] for k, v in x.items()})
    assert single["I"].shape == (9,)
    torch.testing.assert_close(single["I"], batched["I"][1], rtol=1e-12, atol=1e-12)


def test_points_follow_translations_and_results_do_not_depend_on_origin() -> None:
    model = build64(EXACT_CASES["e3_points"])
    x = random_inputs(model, 2, 6, torch.Generator().manual_seed(4))
    shift = torch.tensor([10.0, -3.0, 2.5], dtype=F64)
    out = model(x)
    shifted = model({"pos": x["pos"] + shift, "z": x["z"]})
    torch.testing.assert_close(shifted["pos"], out["pos"] + shift, rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(shifted["e"], out["e"], rtol=1e-10, atol=1e-10)


def test_default_dtype_is_float32_and_knob_gives_float64() -> None:
    text = EXACT_CASES["deepsets"]
    assert build_model(parse(text)).dtype == torch.float32
    with_knob = text.replace("  hidden 12\n", "  hidden 12\n  dtype float64\n")
    assert build_model(parse(with_knob)).dtype == torch.float64


def test_float32_model_moved_to_float64_is_exact_again() -> None:
    """Bases are re-cast from the float64 solve; a float32 round trip would leave errors near 1e-8."""
    model = build_model(parse(EXACT_CASES["so3_vectors"]))
    assert model.dtype == torch.float32
    model = model.to(F64)
    perturb_parameters(model, torch.Generator().manual_seed(2))
    assert model.dtype == F64
    assert equivariance_error(model, 4, seed=11) <= 1e-12


# ---- the field contract ----


def test_missing_and_extra_fields_are_named() -> None:
    model = build64(EXACT_CASES["inertia"])
    x = random_inputs(model, 2, 4, torch.Generator().manual_seed(0))
    with pytest.raises(SymcError, match=r"missing field.*'x'"):
        model({"m": x["m"]})
    with pytest.raises(SymcError, match=r"unexpected field.*'extra'"):
        model({**x, "extra": x["m"]})


def test_wrong_trailing_shape_names_field_and_symbolic_shape() -> None:
    model = build64(EXACT_CASES["inertia"])
    x = random_inputs(model, 2, 4, torch.Generator().manual_seed(0))
    with pytest.raises(SymcError) as info:
        model({"m": x["m"], "x": torch.zeros(2, 4, 2, dtype=F64)})
    message = str(info.value)
    assert "'x'" in message and "(batch, n, 3)" in message and "(2, 4, 2)" in message


def test_inconsistent_set_sizes_are_refused() -> None:
    model = build64(EXACT_CASES["inertia"])
    expected = r"'x' has shape \(2, 5, 3\), expected \(batch, n, 3\): axis 1 has 5 points, field 'm' has 4"
    with pytest.raises(SymcError, match=expected):
        model({"m": torch.zeros(2, 4, 1, dtype=F64), "x": torch.zeros(2, 5, 3, dtype=F64)})


def test_mixed_batched_and_unbatched_fields_are_refused() -> None:
    model = build64(EXACT_CASES["inertia"])
    with pytest.raises(SymcError, match=r"'x' has shape \(4, 3\), expected \(batch, n, 3\): 2 axes, not 3"):
        model({"m": torch.zeros(2, 4, 1, dtype=F64), "x": torch.zeros(4, 3, dtype=F64)})


def test_fixed_size_group_checks_n() -> None:
    model = build64(EXACT_CASES["deepsets"].replace("S(n)", "S(4)"))
    with pytest.raises(SymcError, match="the group S\\(4\\) has 4"):
        model({"h": torch.zeros(1, 5, 3, dtype=F64), "c": torch.zeros(1, 5, 1, dtype=F64)})


def test_narrower_floats_are_cast_and_wider_ones_refused() -> None:
    model = build64(EXACT_CASES["o5_invariant"])
    x1, x2 = torch.randn(1, 5), torch.randn(1, 5)
    exact = model({"x1": x1.double(), "x2": x2.double()})
    assert all(torch.equal(exact[k], v) for k, v in model({"x1": x1, "x2": x2}).items())
    with pytest.raises(SymcError, match=r"(?s)is torch.float64, but the model computes in torch.float32.*model\.to"):
        model.float()({"x1": x1.double(), "x2": x2.double()})


# ---- build-time refusals ----


def test_planned_methods_are_refused_at_parse_with_location() -> None:
    with pytest.raises(SymcError, match="method 'soft' is planned and not built yet") as info:
        parse(EXACT_CASES["so3_vectors"].replace("method basis", "method soft"))
    assert info.value.location is not None and info.value.location.line == 6


def test_unsupported_locality_is_refused_at_parse_with_location() -> None:
    with pytest.raises(SymcError, match="method basis does not take locality knn") as info:
        parse(EXACT_CASES["inertia"].replace("locality complete", "locality knn(k = 4)"))
    assert info.value.location is not None and info.value.location.line == 5
    assert "complete" in info.value.hint


def test_point_fields_without_a_set_are_refused_at_parse() -> None:
    text = spec_text("P", "E(3)", "pos: point per point", "e: T(0) global", "")
    with pytest.raises(SymcError, match="'pos' is indexed by points but the group has no S\\(n\\) factor") as info:
        parse(text)
    assert info.value.location is not None


def test_a_backbone_is_refused_by_methods_that_wrap_none() -> None:
    with pytest.raises(SymcError, match="method basis does not take a backbone"):
        build_model(parse(EXACT_CASES["so3_vectors"]), backbone=torch.nn.Identity())


def test_global_point_output_needs_a_per_point_point_input() -> None:
    text = spec_text("P", "E(3) x S(n)", "v: T(1) per point", "centre: point global")
    with pytest.raises(SymcError, match="'centre' is a point"):
        build_model(parse(text))


# ---- layers ----


def test_multiplicities_use_single_copy_basis_exactly() -> None:
    """3xT(1) -> 2xT(1) under SO(3): the layer's weights span exactly the solver's space for the whole rep."""
    factor = GroupFactor("SO", (3,))
    provider = BasisProvider(factor)
    three, two = MultipleRep(3, TensorRep(1)), MultipleRep(2, TensorRep(1))
    layer = EquivariantLinear(
        FeatureLayout((Block(TensorRep(1), 3, 0, 3),)), FeatureLayout((Block(TensorRep(1), 2, 0, 3),)), provider
    )
    (weight,) = [p for name, p in layer.named_parameters() if name.startswith("weight")]
    samples = []
    with torch.no_grad():
        for i in range(weight.numel()):
            weight.zero_()
            weight.view(-1)[i] = 1.0
            samples.append(layer.assembled_weights(0, 0)[0].reshape(-1).clone())
    spanned = torch.stack(samples)
    reference = solve_equivariant_basis(group("SO(3)"), three, two).basis.reshape(-1, 54)
    assert torch.linalg.matrix_rank(spanned).item() == reference.shape[0] == 6
    assert torch.linalg.matrix_rank(torch.cat([spanned, reference])).item() == 6


def test_products_reach_antisymmetric_features() -> None:
    """Bilinear layers pair distinct copies: SO(3) reaches a x b and SL(3) reaches det[a, b, c]."""
    cross = build64(
        spec_text("Cross", "SO(3)", "a: T(1) global, b: T(1) global", "c: T(1) global", "  hidden 4xT(0) + 3xT(1)\n")
    )
    perturb_parameters(cross, torch.Generator().manual_seed(0))
    x = random_inputs(cross, 8, 1, torch.Generator().manual_seed(1))
    normal = torch.linalg.cross(x["a"], x["b"])
    along_normal = (cross(x)["c"] * normal).sum(-1) / normal.norm(dim=-1)
    assert along_normal.abs().min() > 1e-6

    text = spec_text(
        "Det",
        "SL(3)",
        "a: T(1) global, b: T(1) global, c: T(1) global",
        "y: T(0) global",
        "  hidden 4xT(0) + 3xT(1) + 2xT(0,1) + 2xT(1,1)\n",
    )
    det = build64(text)
    perturb_parameters(det, torch.Generator().manual_seed(0))
    y = det(random_inputs(det, 8, 1, torch.Generator().manual_seed(2)))["y"]
    assert y.std() > 1e-6  # SL(3) has no invariant of fewer than three vectors: only det can move y
    assert equivariance_error(det, 1, seed=3) <= 1e-9


def test_initialisation_gives_order_one_outputs() -> None:
    model = build_model(
        parse(EXACT_CASES["o5_invariant"].replace("hidden 8xT(0) + 2xT(1)", "hidden 64xT(0) + 16xT(1)"))
    ).to(F64)
    x = random_inputs(model, 512, 1, torch.Generator().manual_seed(0))
    features, _ = model.packer.pack(x)
    hidden = model.network.blocks[0].linear(features, None)[0]
    assert 0.2 < hidden.std().item() < 5.0


def test_rep_terms_keep_layout_order() -> None:
    interleaved = MultipleRep(2, SumRep((TensorRep(0), TensorRep(1))))
    assert rep_terms(interleaved) == [(TensorRep(0), 1), (TensorRep(1), 1), (TensorRep(0), 1), (TensorRep(1), 1)]
    assert rep_terms(SumRep((TensorRep(1), MultipleRep(3, TensorRep(1))))) == [(TensorRep(1), 4)]


def test_uniform_hidden_allocation() -> None:
    assert str(uniform_hidden_rep(GroupFactor("SO", (3,)), 128)) == "42xT(0) + 14xT(1) + 4xT(2)"
    general = uniform_hidden_rep(GroupFactor("GL+", (3,)), 60)
    assert {t.base for t in general.terms} == {TensorRep(k, l) for k in range(3) for l in range(3) if k + l <= 2}


# ---- summary ----


def test_summary_counts_parameters_and_reports_empty_bases() -> None:
    model = build64(EXACT_CASES["inertia"])
    summary = model.summary()
    assert summary.parameters == sum(p.numel() for p in model.parameters())
    assert summary.n == 10 and summary.flops > 0
    empty = {(u.rep_in, u.rep_out) for layer in summary.layers for u in layer.empty}
    assert ("T(1)", "T(0)") in empty  # O(3) has no invariant linear functional on vectors
    text = str(summary)
    assert "no equivariant maps" in text and "T(2) -> T(2): dim 3" in text
    sources = {u.source for layer in summary.layers for u in layer.bases}
    assert sources <= {"cache", "solved", "closed form"} and "closed form" in sources
    assert summary.to_dict()["parameters"] == summary.parameters
