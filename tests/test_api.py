"""The public face: names from DESIGN.md, the three kinds of build source, and a light ``import symc``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

import symc
from symc import ir

SPECS = Path(__file__).resolve().parent.parent / "specs"

INVARIANT = """
model Invariant {
  group O(3)
  input a: T(1) global, b: T(1) global
  output y: T(0) global
  locality complete
  method basis
  dtype float64
}
"""


def test_public_names_exist():
    for name in ("parse", "load", "build", "equivariant_basis", "group", "rep", "SymcError", "testing", "so3", "nn"):
        assert hasattr(symc, name), name
    assert callable(symc.testing.assert_equivariant)
    assert callable(symc.so3.wigner_D)
    for layer in ("BasisModel", "EquivariantLinear", "GatedNonlinearity", "EquivariantBilinear", "TensorProduct"):
        assert issubclass(getattr(symc.nn, layer), torch.nn.Module), layer
    import symc.nn as namespace

    assert namespace is symc.nn
    with pytest.raises(AttributeError):
        symc.nn.NoSuchLayer  # noqa: B018
    with pytest.raises(AttributeError):
        symc.no_such_thing  # noqa: B018


def test_import_symc_does_not_import_torch():
    code = "import sys, symc; assert 'torch' not in sys.modules, 'torch imported eagerly'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_build_accepts_spec_path_and_text_alike():
    spec = symc.parse(INVARIANT)
    assert isinstance(spec, ir.ModelSpec) and spec.name == "Invariant"
    inputs = {"a": torch.randn(4, 3, dtype=torch.float64), "b": torch.randn(4, 3, dtype=torch.float64)}
    for source in (spec, INVARIANT):
        torch.manual_seed(0)
        out = symc.build(source)(inputs)
        assert out["y"].shape == (4, 1)
    torch.manual_seed(0)
    from_file = symc.build(SPECS / "gl3_tensor.sym")
    assert from_file({"A": torch.randn(2, 9)})["B"].shape == (2, 9)
    assert symc.build(str(SPECS / "gl3_tensor.sym")).spec == symc.load(SPECS / "gl3_tensor.sym")


def test_build_picks_one_model_of_several():
    path = SPECS / "graph_and_vectors.sym"
    assert symc.build(path, model="VectorFeatures").spec.name == "VectorFeatures"
    with pytest.raises(symc.SymcError):
        symc.build(path)


def test_build_from_a_missing_file_is_a_symc_error():
    with pytest.raises(symc.SymcError, match="no spec file"):
        symc.build("specs/does_not_exist.sym")
    with pytest.raises(symc.SymcError):
        symc.build(42)


def test_bad_spec_text_raises_one_located_error():
    with pytest.raises(symc.SymcError) as caught:
        symc.parse(INVARIANT.replace("O(3)", "SE3"))
    assert caught.value.location is not None and caught.value.location.line == 3
    assert caught.value.hint


def test_equivariant_basis_has_the_known_dimensions():
    assert symc.equivariant_basis("SO(3)", "T(2)", "T(2)").shape == (3, 9, 9)
    assert symc.equivariant_basis("O(3)", "T(3)", "T(0)").shape[0] == 0
    assert symc.equivariant_basis("SO(3)", "T(3)", "T(0)").shape == (1, 1, 27)
    assert symc.equivariant_basis("GL+(3)", "T(1,1)", "T(1,1)").shape == (2, 9, 9)


def test_equivariant_basis_commutes_with_the_group():
    G = symc.group("SO+(1,3)")
    B = symc.equivariant_basis(G, "T(2)", "T(0)")
    g = G.sample(8, generator=torch.Generator().manual_seed(0))
    rho_in, rho_out = symc.rep("T(2)", G)(g), symc.rep("T(0)", "SO+(1,3)")(g)
    assert (rho_out[:, None] @ B[None] - B[None] @ rho_in[:, None]).abs().max() < 1e-9
    assert torch.allclose(torch.einsum("kij,lij->kl", B, B), torch.eye(B.shape[0], dtype=B.dtype))


def test_group_and_rep_follow_the_api_example():
    G = symc.group("GL+(3)")
    g = G.sample(16, generator=torch.Generator().manual_seed(0))
    assert g.shape == (16, 3, 3) and bool((torch.linalg.det(g) > 0).all())
    rho = symc.rep("T(1,1)", G)
    expected = torch.einsum("bij,bkl->bikjl", g, torch.linalg.inv(g).transpose(-1, -2)).reshape(16, 9, 9)
    assert torch.allclose(rho(g), expected)
    with pytest.raises(symc.SymcError):
        symc.group("SE3")
