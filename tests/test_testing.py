"""symc.testing must catch broken symmetries (per factor) and pass exact ones, in both directions.

The models here are hand-written dict-in/dict-out modules, so these tests exercise the checker itself,
independently of the backend.
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings

import symc
from symc.testing import (
    EquivarianceError,
    assert_equivariant,
    concrete_group,
    concrete_group_spec,
    field_inputs,
    group_elements,
)

VECTORS_O3 = """
model Pair {
  group O(3)
  input a: T(1) global, b: T(1) global
  output y: T(0) global
  locality complete
  method basis
}
"""

TRIPLE_SO3 = """
model Triple {
  group O(3)
  input a: T(1) global, b: T(1) global, c: T(1) global
  output y: T(0) global
  locality complete
  method basis
}
"""

POINT_CLOUD = """
model Cloud {
  group O(3) x S(n)
  input m: T(0) per point, x: T(1) per point
  output I: T(2) global
  locality complete
  method basis
}
"""

PAIRS = """
model Pairs {
  group S(n)
  input adjacency: T(0) per pair, h: 2xT(0) per point
  output y: T(0) per point
  locality complete
  method basis
}
"""


class Invariant(torch.nn.Module):
    """y = a·b + |a|² : O(3)-invariant."""

    def forward(self, inputs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        a, b = inputs["a"], inputs["b"]
        return {"y": ((a * b).sum(-1) + (a * a).sum(-1)).unsqueeze(-1)}


class PlainMLP(torch.nn.Module):
    """An unconstrained MLP on the concatenated vectors: not invariant under anything but the identity."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.net = torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))

    def forward(self, inputs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {"y": self.net(torch.cat([inputs["a"], inputs["b"]], dim=-1))}


class TripleProduct(torch.nn.Module):
    """det[a, b, c]: invariant under rotations, flips sign under reflections (a pseudo-scalar)."""

    def forward(self, inputs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        a, b, c = inputs["a"], inputs["b"], inputs["c"]
        return {"y": (torch.linalg.cross(a, b) * c).sum(-1, keepdim=True)}


class Inertia(torch.nn.Module):
    """I = Σ_i m_i (|x_i|² Id − x_i x_iᵀ), flattened row-major: O(3) x S(n) equivariant."""

    def forward(self, inputs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        m, x = inputs["m"][..., 0], inputs["x"]
        eye = torch.eye(3, dtype=x.dtype)
        per_point = (x * x).sum(-1)[..., None, None] * eye - x[..., :, None] * x[..., None, :]
        return {"I": (m[..., None, None] * per_point).sum(1).flatten(-2)}


class WeightedInertia(Inertia):
    """Point i weighted by (i + 1): still rotation-equivariant, but no longer permutation-invariant."""

    def forward(self, inputs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        weights = torch.arange(1, inputs["m"].shape[1] + 1, dtype=inputs["m"].dtype)[None, :, None]
        return super().forward({"m": inputs["m"] * weights, "x": inputs["x"]})


class MessagePassing(torch.nn.Module):
    """y_i = Σ_j A_ij h_j·w : permutation-equivariant on per-pair and per-point fields."""

    def forward(self, inputs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        adjacency, h = inputs["adjacency"][..., 0], inputs["h"]
        return {"y": torch.einsum("bij,bjc->bic", adjacency, h).sum(-1, keepdim=True)}


class TransposedMessagePassing(MessagePassing):
    """Uses A_ji instead of A_ij: still equivariant (permutations act on both pair axes)."""

    def forward(self, inputs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return super().forward({"adjacency": inputs["adjacency"].transpose(1, 2), "h": inputs["h"]})


class FirstRowOnly(MessagePassing):
    """Reads only node 0's adjacency row for every node: breaks permutation equivariance."""

    def forward(self, inputs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        adjacency = inputs["adjacency"][:, :1].expand_as(inputs["adjacency"])
        return super().forward({"adjacency": adjacency, "h": inputs["h"]})


def test_invariant_model_passes_with_tiny_error():
    spec = symc.parse(VECTORS_O3)
    report = assert_equivariant(Invariant(), spec, trials=10)
    assert report.passed
    assert [r.factor for r in report.results] == ["O(3)"]
    assert report.results[0].trials >= 10
    assert report.max_error < 1e-12


def test_plain_mlp_is_caught_with_the_offending_element():
    spec = symc.parse(VECTORS_O3)
    with pytest.raises(EquivarianceError) as caught:
        assert_equivariant(PlainMLP(), spec, trials=10)
    report = caught.value.report
    assert not report.passed
    assert report.results[0].max_error > 1e-3
    element = report.results[0].counterexample
    assert element is not None and element.shape == (2, 3, 3)
    message = str(caught.value)
    assert "O(3)" in message and "FAIL" in message and "simplest failing element" in message


def test_pseudoscalar_is_caught_and_shrunk_to_a_reflection_generator():
    """SO(3)-invariant but not O(3)-invariant: only elements with det −1 expose it, and hypothesis
    shrinks the failure to one of O(3)'s discrete generators."""
    spec = symc.parse(TRIPLE_SO3)
    with pytest.raises(EquivarianceError) as caught:
        assert_equivariant(TripleProduct(), spec, trials=15)
    counterexample = caught.value.report.results[0].counterexample
    assert torch.all(torch.linalg.det(counterexample) < 0)
    generators = symc.group("O(3)").discrete_generators
    assert any(torch.equal(counterexample[0], h) for h in generators)
    rotations_only = symc.parse(TRIPLE_SO3.replace("O(3)", "SO(3)"))
    assert assert_equivariant(TripleProduct(), rotations_only, trials=10).passed


def test_product_group_is_checked_factor_by_factor():
    spec = symc.parse(POINT_CLOUD)
    report = assert_equivariant(Inertia(), spec, trials=8, n=4)
    assert [r.factor for r in report.results] == ["O(3)", "S(n)", "product"]
    assert report.max_error < 1e-12

    with pytest.raises(EquivarianceError) as caught:
        assert_equivariant(WeightedInertia(), spec, trials=8, n=4)
    verdicts = {r.factor: r.passed for r in caught.value.report.results}
    assert verdicts == {"O(3)": True, "S(n)": False, "product": False}


def test_per_pair_fields_are_permuted_on_both_axes():
    spec = symc.parse(PAIRS)
    assert assert_equivariant(MessagePassing(), spec, trials=8).passed
    assert assert_equivariant(TransposedMessagePassing(), spec, trials=8).passed
    with pytest.raises(EquivarianceError):
        assert_equivariant(FirstRowOnly(), spec, trials=8)


def test_float32_uses_the_float32_tolerance_and_leaves_the_model_untouched():
    spec = symc.parse(VECTORS_O3)
    model = PlainMLP()
    report = assert_equivariant(Invariant(), spec, trials=5, dtype=torch.float32)
    assert report.results[0].tolerance == 1e-4
    assert report.dtype == torch.float32
    with pytest.raises(EquivarianceError):
        assert_equivariant(model, spec, trials=5, dtype=torch.float64)
    assert next(model.parameters()).dtype == torch.float32
    assert model.training


def test_explicit_tolerances_decide_the_verdict():
    spec = symc.parse(VECTORS_O3)
    assert assert_equivariant(PlainMLP(), spec, trials=5, rtol=1e3).passed
    with pytest.raises(EquivarianceError):
        assert_equivariant(PlainMLP(), spec, trials=5, rtol=0.0, atol=1e-12)


def test_concrete_group_substitutes_symbolic_sizes():
    spec = symc.parse(POINT_CLOUD)
    assert str(concrete_group_spec(spec.group, 7)) == "O(3) x S(7)"
    G = concrete_group(spec.group, 7)
    rotation, permutation = G.sample(3, generator=torch.Generator().manual_seed(1))
    assert rotation.shape == (3, 3, 3) and permutation.shape == (3, 7, 7)


@pytest.mark.parametrize(
    ("name", "preserved"),
    [
        ("O(3)", lambda g: g.transpose(-1, -2) @ g - torch.eye(3)),
        (
            "SO+(1,3)",
            lambda g: (
                g.transpose(-1, -2) @ torch.diag(torch.tensor([1.0, -1, -1, -1]).double()) @ g
                - torch.diag(torch.tensor([1.0, -1, -1, -1]).double())
            ),
        ),
        ("S(5)", lambda g: g.sum(-1) - 1),
    ],
)
def test_group_elements_are_group_elements(name, preserved):
    G = symc.group(name)

    @settings(max_examples=15, deadline=None, database=None)
    @given(g=group_elements(G, batch=2))
    def property_holds(g):
        assert g.shape[0] == 2
        assert preserved(g).abs().max() < 1e-10

    property_holds()


def test_group_elements_include_the_identity_and_generators():
    G = symc.group("D(4)")
    seen_generators = []

    @settings(max_examples=60, deadline=None, database=None, derandomize=True)
    @given(g=group_elements(G))
    def collect(g):
        if torch.allclose(g[0], torch.eye(2, dtype=g.dtype)):
            seen_generators.append("identity")
        elif any(torch.allclose(g[0], h) for h in G.discrete_generators):
            seen_generators.append("generator")

    collect()
    assert {"identity", "generator"} <= set(seen_generators)


def test_product_elements_isolate_one_factor():
    G = symc.group("SO(3) x S(4)")

    @settings(max_examples=10, deadline=None, database=None)
    @given(g=group_elements(G, batch=3, only_factor=1))
    def rotation_is_identity(g):
        rotation, permutation = g
        assert torch.equal(rotation, torch.eye(3, dtype=rotation.dtype).expand(3, 3, 3))
        assert permutation.shape == (3, 4, 4)

    rotation_is_identity()


def test_field_inputs_follow_the_shape_contract():
    spec = symc.parse(PAIRS)

    @settings(max_examples=5, deadline=None, database=None)
    @given(inputs=field_inputs(spec, n=6, batch=3))
    def shapes(inputs):
        assert inputs["adjacency"].shape == (3, 6, 6, 1)
        assert inputs["h"].shape == (3, 6, 2)
        assert inputs["h"].dtype == torch.float64

    shapes()
