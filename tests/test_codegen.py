"""The standalone code generator: the written module needs no symc and computes the same function."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import sys
from pathlib import Path

import pytest
import torch

from symc.errors import SymcError
from symc.frontend import parse
from symc.methods import build_model
from symc.methods.basis.builder import BasisModel
from symc.methods.basis.codegen import class_name, write_standalone

SPECS = {
    "inertia": """
model Inertia {
  group O(3) x S(n)
  input m: T(0) per point, x: T(1) per point
  output I: T(2) global, com: T(1) global
  locality complete
  method basis
  hidden 8xT(0) + 2xT(1) + 1xT(2)
  layers 2
  dtype float64
}""",
    "graph": """
model GraphReadout {
  group S(n)
  input adjacency: T(0) per pair, features: 2xT(0) per point
  output node_scores: T(0) per point, edges: T(0) per pair, graph_score: T(0) global
  locality complete
  method basis
  hidden 6xT(0)
  layers 2
  readout sum
  nonlinearity tanh
  dtype float64
}""",
    "points": """
model Points {
  group E(3) x S(n)
  input pos: point per point, z: T(0) per point
  output pos: point per point, energy: T(0) global
  locality complete
  method basis
  hidden 12
  layers 1
  dtype float64
}""",
    "lorentz": """
model Scattering {
  group SO+(1,3)
  input p1: T(1) global, p2: T(1) global
  output amplitude: T(0) global
  locality complete
  method basis
  hidden 4xT(0) + 1xT(1)
  layers 2
  dtype float64
}""",
}


def import_by_path(path: Path, module_name: str):
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def trained_like(model: BasisModel, seed: int) -> BasisModel:
    """Perturb every parameter (biases start at zero) so the comparison covers all of them."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.3 * torch.randn(p.shape, generator=gen, dtype=p.dtype))
    return model


def random_inputs(model: BasisModel, batch: int, n: int, seed: int) -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    return {
        p.name: torch.randn(batch, *([n] * p.order), p.dim, generator=gen, dtype=model.dtype)
        for p in model.packer.inputs
    }


@pytest.mark.parametrize("case", sorted(SPECS))
def test_generated_module_matches_built_model(case: str, tmp_path: Path) -> None:
    model = trained_like(build_model(parse(SPECS[case])), seed=5)
    paths = write_standalone(model, tmp_path)
    name = model.spec.name
    assert [p.name for p in paths] == [f"{name}.safetensors", f"{name}.py", f"{name}.json"]
    module = import_by_path(tmp_path / f"{name}.py", f"generated_{case}")
    generated = getattr(module, name)()
    for n in (3, 6):
        x = random_inputs(model, 4, n, seed=n)
        expected, got = model(x), generated(x)
        assert set(got) == set(expected)
        for key in expected:
            torch.testing.assert_close(got[key], expected[key], rtol=1e-12, atol=1e-12)
    single = generated({k: v[0] for k, v in x.items()})
    for key in expected:
        torch.testing.assert_close(single[key], expected[key][0], rtol=1e-12, atol=1e-12)


def test_generated_module_imports_only_torch_and_safetensors(tmp_path: Path) -> None:
    model = build_model(parse(SPECS["inertia"]))
    write_standalone(model, tmp_path)
    source = (tmp_path / "Inertia.py").read_text()
    imported = {line.split()[1].split(".")[0] for line in source.splitlines() if line.startswith(("import ", "from "))}
    assert imported <= {"__future__", "string", "pathlib", "torch", "safetensors"}
    assert "symc" not in imported
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "temporary files left behind"
    before = set(sys.modules)
    import_by_path(tmp_path / "Inertia.py", "generated_inertia_imports")
    assert not {m for m in set(sys.modules) - before if m.startswith("symc")}


def test_field_contract_json(tmp_path: Path) -> None:
    model = build_model(parse(SPECS["graph"]))
    write_standalone(model, tmp_path)
    contract = json.loads((tmp_path / "GraphReadout.json").read_text())
    assert contract["group"] == "S(n)" and contract["dtype"] == "float64"
    assert contract["inputs"][0] == {"name": "adjacency", "shape": ["n", "n", 1], "rep": "T(0)", "order": 2}
    assert [o["shape"] for o in contract["outputs"]] == [["n", 1], ["n", "n", 1], [1]]


def test_names_are_sanitised_and_never_written_as_code(tmp_path: Path) -> None:
    assert class_name("class") == "Model_class"
    assert class_name("3d-model") == "Model_3d_model"
    spec = parse(SPECS["lorentz"])
    hostile = dataclasses.replace(spec, name='X"); import os; os.system("true"); ("')
    paths = write_standalone(build_model(hostile), tmp_path)
    assert paths[1].name == "X_import_os_os_system_true.py"
    assert "os.system" not in paths[1].read_text()
    bad_field = dataclasses.replace(spec, inputs=(dataclasses.replace(spec.inputs[0], name="p 1"), spec.inputs[1]))
    with pytest.raises(SymcError, match="not an identifier"):
        write_standalone(build_model(bad_field), tmp_path)


def test_rewriting_replaces_files_atomically(tmp_path: Path) -> None:
    model = trained_like(build_model(parse(SPECS["lorentz"])), seed=1)
    write_standalone(model, tmp_path)
    first = (tmp_path / "Scattering.safetensors").read_bytes()
    trained_like(model, seed=2)
    write_standalone(model, tmp_path)
    assert (tmp_path / "Scattering.safetensors").read_bytes() != first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Scattering.json", "Scattering.py", "Scattering.safetensors"]


def test_models_outside_method_basis_are_refused_not_half_written(tmp_path):
    import symc

    with pytest.raises(SymcError, match="standalone code generation does not cover"):
        write_standalone(symc.build("specs/spen_ego2.sym"), tmp_path)
    assert list(tmp_path.iterdir()) == []
