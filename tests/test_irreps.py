"""The Irreps value type: parsing, layout helpers, bad input, and the conversion to e3nn's basis."""

from __future__ import annotations

import pytest
import torch

from symc.errors import SymcError
from symc.so3 import spherical_harmonics
from symc.so3.irreps import MAX_L, Irrep, Irreps, MulIrrep, from_e3nn, to_e3nn

e3nn_o3 = pytest.importorskip("e3nn.o3")


def _random_o3(count: int, seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    q, r = torch.linalg.qr(torch.randn(count, 3, 3, generator=generator, dtype=torch.float64))
    q = q * torch.sign(torch.diagonal(r, dim1=-2, dim2=-1))[..., None, :]
    signs = torch.tensor([1.0, -1.0], dtype=torch.float64).repeat(count)[:count]
    return q * signs[:, None, None] * torch.sign(torch.linalg.det(q))[:, None, None]


def test_parse_dims_slices_and_text() -> None:
    irreps = Irreps("2x0e + 1o + 3x2e")
    assert list(irreps) == [MulIrrep(2, Irrep(0, 1)), MulIrrep(1, Irrep(1, -1)), MulIrrep(3, Irrep(2, 1))]
    assert irreps.dim == 2 + 3 + 15 and irreps.num_irreps == 6 and irreps.lmax == 2
    assert irreps.slices() == [slice(0, 2), slice(2, 5), slice(5, 20)]
    assert str(irreps) == "2x0e+1x1o+3x2e"
    assert Irreps(str(irreps)) == irreps
    assert Irreps([(2, (0, 1)), (1, (1, -1))]) == Irreps("2x0e+1x1o")
    assert str(Irreps("")) == "0" and Irreps("").dim == 0


def test_simplify_merges_neighbours_and_drops_empty_blocks() -> None:
    assert Irreps("1x0e + 2x0e + 0x1o + 1x1o + 1x0e").simplify() == Irreps("3x0e + 1x1o + 1x0e")


def test_spherical_harmonics_irreps_and_addition() -> None:
    assert Irreps.spherical_harmonics(3) == Irreps("0e + 1o + 2e + 3o")
    assert Irreps("0e") + "1o" == Irreps("0e+1o")


@pytest.mark.parametrize("text", ["1x1q", "-1x0e", "1x-1e", "2x", "x1e", "1e+", "0.5x1o"])
def test_unparseable_irreps_raise_one_error(text: str) -> None:
    with pytest.raises(SymcError, match="cannot parse irreps term") as info:
        Irreps(text)
    assert info.value.hint


def test_degree_above_the_maximum_is_refused_before_allocation() -> None:
    with pytest.raises(SymcError, match=f"outside the supported range 0..{MAX_L}"):
        Irreps("1x100000e")
    with pytest.raises(SymcError, match="outside the supported range"):
        Irreps.spherical_harmonics(10**9)
    with pytest.raises(SymcError, match="invalid irreps block"):
        Irreps([(-1, (0, 1))])


def test_wrong_last_dimension_is_reported() -> None:
    with pytest.raises(SymcError, match="need a last dimension of 4"):
        to_e3nn(torch.zeros(2, 5), "0e+1o")


def test_representation_is_a_homomorphism_with_parity() -> None:
    irreps = Irreps("2x0e + 0o + 1o + 1e + 2e + 3o")
    g = _random_o3(6, seed=1)
    rho = irreps.representation(g)
    product = irreps.representation(g[:3] @ g[3:])
    assert torch.allclose(product, rho[:3] @ rho[3:], atol=1e-10)
    parity = irreps.representation(-torch.eye(3, dtype=torch.float64))
    expected = torch.cat([torch.full((b.dim,), float(b.irrep.p), dtype=torch.float64) for b in irreps])
    assert torch.allclose(parity, torch.diag(expected), atol=1e-12)


@pytest.mark.parametrize("lmax", [0, 3, 8])
def test_e3nn_conversion_matches_e3nn_harmonics(lmax: int) -> None:
    points = torch.randn(32, 3, dtype=torch.float64)
    irreps = Irreps.spherical_harmonics(lmax)
    ours = torch.cat([spherical_harmonics(l, points) for l in range(lmax + 1)], dim=-1)
    theirs = e3nn_o3.spherical_harmonics(e3nn_o3.Irreps(str(irreps)), points, True, normalization="integral")
    assert torch.allclose(to_e3nn(ours, irreps), theirs, atol=1e-12)
    assert torch.allclose(from_e3nn(theirs, irreps), ours, atol=1e-12)


def test_e3nn_conversion_intertwines_the_representations() -> None:
    irreps = Irreps("2x0e + 1o + 1e + 3x2e + 4o")
    g = _random_o3(4, seed=2)
    ours = irreps.representation(g)
    theirs = e3nn_o3.Irreps(str(irreps)).D_from_matrix(g)
    x = torch.randn(4, irreps.dim, dtype=torch.float64)
    left = to_e3nn((ours @ x[..., None])[..., 0], irreps)
    right = (theirs @ to_e3nn(x, irreps)[..., None])[..., 0]
    # e3nn builds D from Euler angles computed in float32 internally, so it agrees to ~1e-7 only.
    assert torch.allclose(left, right, atol=1e-5)


def test_irreps_is_one_value_read_by_the_spec_grammar() -> None:
    import symc
    from symc import ir

    spec = symc.parse("model A { group SO(3); input x: 2x0e + 1o; output y: 0e; method basis }")
    from_field = Irreps(spec.inputs[0].rep)
    assert from_field == Irreps("2x0e + 1o") == ir.Irreps("2x0e+1x1o") and isinstance(from_field, ir.Irreps)
    assert Irrep is ir.Irrep and MulIrrep is ir.MulIrrep
    assert Irreps("2x(0e + 1o)") == Irreps("0e + 1o + 0e + 1o")
    assert ir.Irreps(from_field.to_rep()) == from_field
    with pytest.raises(SymcError, match="not a sum of O"):
        Irreps("T(1)")


def test_so3_imports_no_frontend_solvers_or_groups() -> None:
    import subprocess
    import sys

    code = (
        "import sys, symc.so3, symc.so3.coupling, symc.so3.irreps; "
        "bad = [m for m in sys.modules if m.startswith(('symc.frontend', 'symc.solvers', 'symc.groups', 'lark'))]; "
        "print(bad); assert not bad"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
