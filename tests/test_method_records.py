"""A method is one record: a toy method defined here parses, is judged, builds and checks like the built-in
ones; incomplete records are refused by name; every built-in record is complete and torch-free."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest
import torch
from torch import nn

import symc
from symc.errors import SymcError
from symc.layers.model import SymcModule
from symc.methods import Accepts, MethodRecord, record_for, records, register, unregister
from symc.methods.record import Param, Signature
from symc.methods.registry import BUILT_IN, RegistryError, check_record
from symc.testing import assert_equivariant


class NormScaler(SymcModule):
    """y = scale · ‖x‖ per sample: O(d)-invariant for any weights."""

    def __init__(self, spec, scale: float) -> None:
        super().__init__()
        self.spec = spec
        self.scale = nn.Parameter(torch.tensor(float(scale)))
        self.source = spec.inputs[0].name
        self.target = spec.outputs[0].name

    def forward(self, inputs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        x = inputs[self.source]
        return {self.target: self.scale * x.norm(dim=-1, keepdim=True)}

    def summary(self, n=None):
        return None


def _judge(spec) -> None:
    if spec.method.get("scale") == 0:
        raise SymcError("norm_scale(scale = 0) outputs zero whatever the input", spec.method.loc, "drop scale")


TOY = MethodRecord(
    name="norm_scale",
    method="norm_scale",
    doc="a global scalar from the norm of a global vector",
    keywords=Signature({"scale": Param("number", "factor on the norm", default=1.0)}, positional="scale"),
    accepts=Accepts(
        "O(d) or SO(d) alone", families=frozenset({"O", "SO"}), max_geometric=1, field_orders=frozenset({0})
    ),
    build=lambda spec, backbone, solved: NormScaler(spec, spec.method.get("scale")),
    judge=_judge,
)

TOY_SPEC = """
model Norm {
  group O(3)
  input x: 1o global
  output y: 0e global
  method norm_scale(scale = 2.5)
}
"""


@pytest.fixture
def toy_method():
    register(TOY)
    yield TOY
    unregister(TOY.name)


def test_a_toy_method_from_a_record_parses_builds_and_is_equivariant(toy_method):
    spec = symc.parse(TOY_SPEC)
    assert record_for(spec) is toy_method
    assert spec.method.get("scale") == 2.5
    model = symc.build(symc.api.with_dtype(spec, "float64"))
    x = torch.randn(4, 3, dtype=torch.float64)
    assert torch.allclose(model({"x": x})["y"], 2.5 * x.norm(dim=-1, keepdim=True))
    assert assert_equivariant(model, spec, trials=5).passed


def test_the_toy_record_is_what_judges_its_specs(toy_method):
    with pytest.raises(SymcError, match="does not support SE") as wrong_group:
        symc.parse(TOY_SPEC.replace("O(3)", "SE(3)"))
    assert wrong_group.value.location.line == 3
    with pytest.raises(SymcError, match="method norm_scale has no keyword 'scael'") as wrong_keyword:
        symc.parse(TOY_SPEC.replace("scale = 2.5", "scael = 2.5"))
    assert "scale" in (wrong_keyword.value.hint or "")
    with pytest.raises(SymcError, match="does not take locality ego"):
        symc.parse(TOY_SPEC.replace("method norm", "locality ego(2)\n  method norm"))
    with pytest.raises(SymcError, match="does not take per-point fields"):
        symc.parse(TOY_SPEC.replace("group O(3)", "group O(3) x S(n)").replace("0e global", "0e per point"))
    with pytest.raises(SymcError, match="outputs zero whatever the input") as judged:
        symc.parse(TOY_SPEC.replace("2.5", "0"))
    assert judged.value.location.line == 6


def test_unregistered_methods_are_unknown_again():
    with pytest.raises(SymcError, match="unknown method 'norm_scale'"):
        symc.parse(TOY_SPEC)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"build": None}, "norm_scale: 'build' must be callable"),
        ({"accepts": "anything"}, "norm_scale: 'accepts' must be an Accepts"),
        ({"keywords": {}}, "norm_scale: 'keywords' must be a Signature"),
        ({"method": "norm scale"}, "norm_scale: 'method' must be the spec's method word"),
        ({"judge": 3}, "norm_scale: 'judge' must be callable"),
        ({"accepts": Accepts("nothing", localities=frozenset())}, "norm_scale: it accepts no locality"),
    ],
)
def test_an_incomplete_record_is_refused_with_its_name(change: dict, message: str):
    broken = dataclasses.replace(TOY, **change)
    with pytest.raises(RegistryError, match=message):
        check_record(broken)
    with pytest.raises(RegistryError, match=message):
        register(broken)
    assert TOY.name not in {r.name for r in records()}


def test_two_records_may_not_claim_one_method_and_locality():
    clash = dataclasses.replace(TOY, name="other_basis", method="basis", keywords=BUILT_IN[0].keywords)
    with pytest.raises(RegistryError, match=r"both claim method basis with locality (complete|global)"):
        register(clash)
    with pytest.raises(RegistryError, match="built in"):
        unregister("basis")


def test_every_built_in_record_is_complete_and_names_its_docs():
    names = [r.name for r in BUILT_IN]
    assert len(names) == len(set(names))
    for record in BUILT_IN:
        assert check_record(record) is record
        if not record.planned:
            assert record.docs, record.name


def test_records_load_without_torch():
    code = (
        "import sys, symc; from symc.methods import records; records(); "
        "symc.parse(open('specs/inertia.sym').read()); print('torch' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.strip() == "False"
