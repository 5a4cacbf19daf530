"""symc.nn.TensorProduct: O(3) equivariance with parity, double backward, weights, and bad input."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import symc
from symc.errors import SymcError
from symc.methods.tensor_product.module import TensorProduct
from symc.so3.irreps import Irreps

CASES = [
    # (irreps1, irreps2, irreps_out, impl, route)
    ("0e+1o+2e", "0e+1o+2e", "0e+1o+2e+3o+4e", "gaunt", "dense"),
    ("0e+1o+2e", "0e+1o+2e", "0e+1o+2e+3o+4e", "gaunt", "grid"),
    ("0e+1o+2e", "0e+1o+2e", "0e+1o+2e+3o+4e", "gaunt", "fft"),
    ("3x0e+3x1o+3x2e", "0e+1o+2e+3o", "3x0e+3x1o+3x2e", "gaunt", "fft"),  # convolution form
    ("3x0e+3x1o+3x2e", "0e+1o+2e+3o", "3x0e+3x1o+3x2e", "gaunt", "grid"),
    ("2x1o+2x3o", "0e+2e", "2x1o+2x3o+2x5o", "gaunt", "grid"),  # absent degrees
    ("2x0o+2x1e+2x2o", "2x0e+2x1o", "2x0o+2x1e+2x2o+2x3e", "gaunt", "grid"),  # pseudo-tensors ⊗ tensors
    ("0e+1o+1e+2e", "1o+2o", "0e+0o+1e+1o+2e+3o+3e", "cg", None),
    ("2x0e+2x1o", "2x1o", "2x0e+2x1e+2x2e", "cg", None),  # cross product 1o ⊗ 1o → 1e
]


def _random_o3(generator: torch.Generator) -> torch.Tensor:
    q, r = torch.linalg.qr(torch.randn(3, 3, generator=generator, dtype=torch.float64))
    q = q * torch.sign(torch.diagonal(r))
    reflect = torch.randint(0, 2, (), generator=generator).item() == 1
    return q * torch.sign(torch.linalg.det(q)) * (-1.0 if reflect else 1.0)


@pytest.mark.parametrize(("irreps1", "irreps2", "irreps_out", "impl", "route"), CASES)
@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_equivariant_under_random_o3_with_reflections(irreps1, irreps2, irreps_out, impl, route, seed) -> None:
    generator = torch.Generator().manual_seed(seed)
    tp = TensorProduct(irreps1, irreps2, irreps_out, impl, route=route).double()
    with torch.no_grad():
        tp.weight.copy_(torch.randn(tp.weight_numel, generator=generator, dtype=torch.float64))
    g = _random_o3(generator)
    r1, r2, ro = (Irreps(i).representation(g) for i in (irreps1, irreps2, irreps_out))
    x = torch.randn(3, r1.shape[0], generator=generator, dtype=torch.float64)
    y = torch.randn(3, r2.shape[0], generator=generator, dtype=torch.float64)
    left = tp(x @ r1.T, y @ r2.T)
    right = tp(x, y) @ ro.T
    assert (left - right).abs().max() <= 1e-9 * (1 + right.abs().max())


@pytest.mark.parametrize("route", ["dense", "grid", "fft"])
def test_float32_equivariance_error_is_small(route: str) -> None:
    tp = TensorProduct("0e+1o+2e+3o+4e", "0e+1o+2e+3o+4e", "0e+1o+2e+3o+4e+5o+6e", "gaunt", route=route)
    g = _random_o3(torch.Generator().manual_seed(3))
    r1, ro = Irreps(tp.irreps1).representation(g).float(), Irreps(tp.irreps_out).representation(g).float()
    x, y = torch.randn(16, 25), torch.randn(16, 25)
    err = (tp(x @ r1.T, y @ r1.T) - tp(x, y) @ ro.T).abs().max() / tp(x, y).abs().max()
    assert err < tp.cost.float32_error * 20


@pytest.mark.parametrize(("impl", "route"), [("cg", None), ("gaunt", "dense"), ("gaunt", "grid"), ("gaunt", "fft")])
def test_gradcheck_and_gradgradcheck(impl: str, route: str | None) -> None:
    tp = TensorProduct("2x0e+2x1o", "0e+1o", "2x0e+2x1o+2x2e", impl, external_weights=True, route=route).double()
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(1, 8, generator=generator, dtype=torch.float64, requires_grad=True)
    y = torch.randn(1, 4, generator=generator, dtype=torch.float64, requires_grad=True)
    w = torch.randn(1, 2, tp.weight_numel, generator=generator, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(tp, (x, y, w))
    assert torch.autograd.gradgradcheck(tp, (x, y, w))


def test_forces_from_gaunt_energy_rotate_with_the_input() -> None:
    """Second derivatives flow: the gradient of an invariant built from Y(r) rotates like a vector."""
    from symc.so3 import spherical_harmonics

    tp = TensorProduct("0e+1o+2e", "0e+1o+2e", "0e", "gaunt", route="fft").double()

    def energy(r: torch.Tensor) -> torch.Tensor:
        sh = torch.cat([spherical_harmonics(l, r) for l in range(3)], dim=-1) * r.norm(dim=-1, keepdim=True)
        return tp(sh, sh).sum()

    r = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
    g = _random_o3(torch.Generator().manual_seed(5))
    force = -torch.autograd.grad(energy(r), r, create_graph=True)[0]
    rotated = -torch.autograd.grad(energy(r @ g.T), r, create_graph=True)[0]
    assert torch.allclose(rotated, force, atol=1e-10)  # E(gr) = E(r) ⇒ its r-gradient is unchanged
    (force.square().sum()).backward()
    assert r.grad is not None and torch.isfinite(r.grad).all()


def test_external_weights_equal_internal_weights_and_broadcast_over_channels() -> None:
    for impl in ("cg", "gaunt"):
        internal = TensorProduct("4x0e+4x1o", "0e+1o", "4x0e+4x1o+4x2e", impl).double()
        external = TensorProduct("4x0e+4x1o", "0e+1o", "4x0e+4x1o+4x2e", impl, external_weights=True).double()
        with torch.no_grad():
            internal.weight.copy_(torch.randn(internal.weight_numel, dtype=torch.float64))
        x, y = torch.randn(2, 3, 16, dtype=torch.float64), torch.randn(2, 3, 4, dtype=torch.float64)
        w = internal.weight.detach()
        assert torch.allclose(external(x, y, w.expand(2, 3, -1)), internal(x, y), atol=1e-12)
        assert torch.allclose(external(x, y, w.expand(2, 3, 4, -1)), internal(x, y), atol=1e-12)


# ---------------------------------------------------------------- CG layouts (symc.methods.tensor_product.cg)

# batch_hint=1 makes the per-block overhead dominate the cost model (dense layout); a huge hint, blocks.
LAYOUTS = {"dense": 1, "blocks": 10**9}
CG_CASES = [
    ("2x0e+2x1o+2x2e+2x3o", "2x0e+2x1o+2x2e+2x3o", "2x0e+2x1o+2x2e+2x3o+2x4e+2x5o+2x6e"),  # full product
    ("3x0e+3x1o+3x2e", "0e+1o+2e+3o", "3x0e+3x1o+3x2e+3x3o"),  # shared second operand (convolution)
    ("0e+1o+1e+2e", "1o+2o", "0e+0o+1e+1o+2e+3o+3e"),  # both parities at one degree
    ("2x1o+2x1o+2x0e", "2x1o+2x0e", "2x0e+2x1e+2x1o+2x2e+2x0e"),  # repeated irreps, unsorted
]


def _cg_reference(tp: TensorProduct, x: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Path by path in e3nn's layout: ``Σ_p w_p sqrt(n3/fan_in) Σ_ij x_i y_j C_ij^k``; ``w (..., [c,] P)``."""
    from symc.so3 import clebsch_gordan

    c = tp.units.channels
    s1, s2, so = tp.irreps1.slices(), tp.irreps2.slices(), tp.irreps_out.slices()
    w = w[..., None, :] if w.dim() == x.dim() else w  # per sample: broadcast over channels
    out = torch.zeros(*x.shape[:-1], tp.irreps_out.dim, dtype=x.dtype)
    for index, path in enumerate(tp.paths):
        a, b, o = tp.units.unit1[path.i1], tp.units.unit2[path.i2], tp.units.unit_out[path.i3]
        fan_in = sum(1 for p in tp.paths if p.i3 == path.i3)
        cg = clebsch_gordan(a.l, b.l, o.l) * math.sqrt(o.dim / fan_in)
        xa = x[..., s1[path.i1]].reshape(*x.shape[:-1], c, a.dim)
        yb = y[..., s2[path.i2]].reshape(*y.shape[:-1], -1, b.dim)
        part = torch.einsum("...ui,...uj,ijk->...uk", xa, yb.expand(*xa.shape[:-1], b.dim), cg)
        out[..., so[path.i3]] += (part * w[..., index, None]).reshape(*x.shape[:-1], -1)
    return out


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize(("irreps1", "irreps2", "irreps_out"), CG_CASES)
def test_cg_layouts_match_a_path_by_path_reference(layout: str, irreps1: str, irreps2: str, irreps_out: str) -> None:
    generator = torch.Generator().manual_seed(11)
    tp = TensorProduct(irreps1, irreps2, irreps_out, "cg", batch_hint=LAYOUTS[layout]).double()
    assert tp.cg_layout == layout and tp.impl == "cg"
    with torch.no_grad():
        tp.weight.copy_(torch.randn(tp.weight_numel, generator=generator, dtype=torch.float64))
    x = torch.randn(2, 3, tp.irreps1.dim, generator=generator, dtype=torch.float64)
    y = torch.randn(2, 3, tp.irreps2.dim, generator=generator, dtype=torch.float64)
    expected = _cg_reference(tp, x, y, tp.weight.detach())
    torch.testing.assert_close(tp(x, y), expected, atol=1e-12, rtol=0)
    torch.testing.assert_close(tp.float()(x.float(), y.float()), expected.float(), atol=1e-5, rtol=1e-5)
    tp.double()  # the tables stay float64 through .float(); the weights were rounded to float32
    torch.testing.assert_close(tp(x, y), _cg_reference(tp, x, y, tp.weight.detach()), atol=1e-12, rtol=0)


@pytest.mark.parametrize(("irreps1", "irreps2", "irreps_out"), CG_CASES[1:])
def test_cg_external_weights_per_sample_and_per_channel(irreps1: str, irreps2: str, irreps_out: str) -> None:
    generator = torch.Generator().manual_seed(12)
    tp = TensorProduct(irreps1, irreps2, irreps_out, "cg", external_weights=True).double()
    assert tp.cg_layout == "blocks"
    c = tp.units.channels
    x = torch.randn(4, tp.irreps1.dim, generator=generator, dtype=torch.float64)
    y = torch.randn(4, tp.irreps2.dim, generator=generator, dtype=torch.float64)
    for shape in ((4, tp.weight_numel), (4, c, tp.weight_numel)):
        w = torch.randn(*shape, generator=generator, dtype=torch.float64)
        torch.testing.assert_close(tp(x, y, w), _cg_reference(tp, x, y, w), atol=1e-12, rtol=0)


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_cg_layouts_gradcheck_and_gradgradcheck_with_internal_weights(layout: str) -> None:
    tp = TensorProduct("2x0e+2x1o+2x2e", "0e+1o", "2x0e+2x1o+2x1e+2x2e", "cg", batch_hint=LAYOUTS[layout]).double()
    assert tp.cg_layout == layout
    generator = torch.Generator().manual_seed(13)
    with torch.no_grad():
        tp.weight.copy_(torch.randn(tp.weight_numel, generator=generator, dtype=torch.float64))
    x = torch.randn(2, 18, generator=generator, dtype=torch.float64, requires_grad=True)
    y = torch.randn(2, 4, generator=generator, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(tp, (x, y))
    assert torch.autograd.gradgradcheck(tp, (x, y))
    tp(x, y).square().sum().backward()
    assert tp.weight.grad is not None and tp.weight.grad.abs().sum() > 0


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_cg_matches_e3nn_uuu_tensor_product(layout: str) -> None:
    """Same paths as e3nn's "uuu" product; e3nn's wigner_3j is ±C/sqrt(2l3+1) (Frobenius-normalised)."""
    o3 = pytest.importorskip("e3nn.o3")
    from symc.so3 import clebsch_gordan

    irreps1, irreps_out = "2x0e+2x1o+2x2e", "2x0e+2x1o+2x2e+2x3o+2x4e"
    tp = TensorProduct(irreps1, irreps1, irreps_out, "cg", batch_hint=LAYOUTS[layout]).double()
    generator = torch.Generator().manual_seed(14)
    with torch.no_grad():
        tp.weight.copy_(torch.randn(tp.weight_numel, generator=generator, dtype=torch.float64))
    scales = []
    for path in tp.paths:
        a, b, o = tp.units.unit1[path.i1], tp.units.unit2[path.i2], tp.units.unit_out[path.i3]
        ours, theirs = clebsch_gordan(a.l, b.l, o.l), o3.wigner_3j(a.l, b.l, o.l, dtype=torch.float64)
        fan_in = sum(1 for p in tp.paths if p.i3 == path.i3)
        scales.append(torch.sign((ours * theirs).sum()) * o.dim / math.sqrt(fan_in))
    instructions = [(p.i1, p.i2, p.i3, "uuu", True) for p in tp.paths]
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # e3nn stores its wigner_3j in the default dtype
    try:
        peer = o3.TensorProduct(
            o3.Irreps(irreps1),
            o3.Irreps(irreps1),
            o3.Irreps(irreps_out),
            instructions,
            irrep_normalization="none",
            path_normalization="none",
            internal_weights=False,
            shared_weights=True,
        )
    finally:
        torch.set_default_dtype(previous)
    x = torch.randn(5, tp.irreps1.dim, generator=generator, dtype=torch.float64)
    y = torch.randn(5, tp.irreps1.dim, generator=generator, dtype=torch.float64)
    peer_weights = (tp.weight.detach() * torch.stack(scales))[:, None].expand(-1, 2).reshape(-1)
    torch.testing.assert_close(tp(x, y), peer.double()(x, y, peer_weights), atol=1e-10, rtol=0)


def test_cg_cost_model_picks_dense_for_small_products_and_blocks_for_large_ones() -> None:
    def full(lmax: int, channels: int = 1) -> str:
        return "+".join(f"{channels}x{l}{'eo'[l % 2]}" for l in range(lmax + 1))

    assert TensorProduct(full(1), full(1), full(2), "cg").cg_layout == "dense"
    large = TensorProduct(full(6), full(6), full(12), "cg")
    assert large.cg_layout == "blocks" and "blocks are cheaper" in large.describe()
    assert TensorProduct(full(1), full(1), full(2), "cg", external_weights=True).cg_layout == "blocks"


def test_channelwise_product_acts_channel_by_channel() -> None:
    tp = TensorProduct("2x0e+2x1o", "2x0e+2x1o", "2x0e+2x1o", "cg").double()
    single = TensorProduct("0e+1o", "0e+1o", "0e+1o", "cg").double()
    x, y = torch.randn(3, 8, dtype=torch.float64), torch.randn(3, 8, dtype=torch.float64)
    out = tp(x, y)
    # Channel 1 of the e3nn layout: components [1] of 2x0e and [5:8] of 2x1o.
    channel = [1, 5, 6, 7]
    assert torch.allclose(out[:, channel], single(x[:, channel], y[:, channel]), atol=1e-12)


def test_auto_prefers_gaunt_and_falls_back_to_cg_for_odd_paths() -> None:
    assert TensorProduct("0e+1o+2e", "0e+1o+2e", "0e+1o+2e", "auto").impl == "gaunt"
    fallback = TensorProduct("1o", "1o", "0e+1e", "auto")
    assert fallback.impl == "cg"
    assert "lost paths vs CG: none" in fallback.describe()
    text = TensorProduct("8x0e+8x1o+8x2e+8x3o+8x4e+8x5o+8x6e", "0e+1o+2e+3o+4e+5o+6e", "8x0e+8x1o+8x2e").describe()
    assert "impl gaunt" in text and "expected float32 relative error" in text


def test_symc_nn_exposes_the_layer() -> None:
    assert symc.nn.TensorProduct is TensorProduct


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("1o", "1o", "1e", "gaunt"), "only come from paths with l1\\+l2\\+l3 odd"),
        (("1o", "1o", "3o", "cg"), "no cg path produces output irreps 3o"),
        (("2x0e", "3x0e", "2x0e", "cg"), "irreps2 = 1x3x0e|multiplicity 3"),
        (("2x0e+1x1o", "0e", "2x0e+2x1o", "cg"), "same non-zero multiplicity"),
        (("2x0e", "0e", "3x0e", "cg"), "irreps_out = 3x0e has multiplicity 3"),
        (("0e", "0e", "0e", "fast"), "unknown tensor-product impl"),
        (("1x1q", "0e", "0e", "cg"), "cannot parse irreps term"),
        (("0e+0e", "0e", "0e", "gaunt"), "repeats a degree"),
    ],
)
def test_bad_construction_raises_one_symc_error(args: tuple, message: str) -> None:
    with pytest.raises(SymcError, match=message):
        TensorProduct(*args)


def test_bad_forward_inputs_raise_one_symc_error() -> None:
    tp = TensorProduct("0e+1o", "0e+1o", "0e+1o", "gaunt")
    with pytest.raises(SymcError, match="need a last dimension of 4"):
        tp(torch.zeros(2, 5), torch.zeros(2, 4))
    with pytest.raises(SymcError, match="leading shape"):
        tp(torch.zeros(2, 4), torch.zeros(3, 4))
    with pytest.raises(SymcError, match="internal weights"):
        tp(torch.zeros(2, 4), torch.zeros(2, 4), torch.zeros(2, 3))
    ext = TensorProduct("0e+1o", "0e+1o", "0e+1o", "cg", external_weights=True)
    with pytest.raises(SymcError, match="expected external weights"):
        ext(torch.zeros(2, 4), torch.zeros(2, 4), torch.zeros(2, 99))


# ---------------------------------------------------------------- the spec-level tensor_product method

LJ_SPEC = """
model Potential {
  group E(3) x S(n)
  input pos: point per point, charge: 0e per point
  output energy: 0e global, forces: 1o per point
  locality radius(r = 2.0)
  method tensor_product(lmax = 2, impl = IMPL)
  hidden 4
  layers 1
}
"""


@pytest.mark.parametrize("impl", ["gaunt", "cg"])
def test_potential_forces_are_minus_the_energy_gradient_and_rotate(impl: str) -> None:
    from symc.api import with_dtype

    spec = with_dtype(symc.parse(LJ_SPEC.replace("IMPL", impl)), "float64")
    model = symc.build(spec)
    generator = torch.Generator().manual_seed(1)
    pos = torch.randn(2, 6, 3, generator=generator, dtype=torch.float64)
    charge = torch.randn(2, 6, 1, generator=generator, dtype=torch.float64)
    leaf = pos.clone().requires_grad_()
    out = model({"pos": leaf, "charge": charge})
    (grad,) = torch.autograd.grad(out["energy"].sum(), leaf)
    assert torch.allclose(out["forces"], -grad, atol=1e-12)
    g = _random_o3(generator)
    moved = model({"pos": pos @ g.T + torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64), "charge": charge})
    assert torch.allclose(moved["energy"], out["energy"].detach(), atol=1e-10)
    assert torch.allclose(moved["forces"], out["forces"].detach() @ g.T, atol=1e-10)


def test_potential_trains_on_forces_through_the_second_derivative() -> None:
    model = symc.build(symc.parse(LJ_SPEC.replace("IMPL", "gaunt"))).double()
    pos = torch.randn(2, 5, 3, dtype=torch.float64, requires_grad=True)
    out = model({"pos": pos, "charge": torch.ones(2, 5, 1, dtype=torch.float64)})
    out["forces"].square().sum().backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert any(g is not None and g.abs().sum() > 0 for g in grads)
    assert "route" in model.describe() and model.summary().parameters > 0


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("charge: 0e per point", "charge: 1e per point"), "parity \\(-1\\)\\^l"),
        (("forces: 1o per point", "forces: 3o per point"), "up to lmax = 2"),
        (("pos: point per point, ", ""), "exactly one per-point 'point' input"),
        (("locality radius(r = 2.0)", "locality ego(k = 2)"), "does not take locality ego"),
        (("energy: 0e global", "energy: 1o global"), "must be scalars"),
    ],
)
def test_bad_potential_specs_raise_one_located_error(edit: tuple[str, str], message: str) -> None:
    text = LJ_SPEC.replace("IMPL", "gaunt").replace(*edit)
    with pytest.raises(SymcError, match=message) as info:
        symc.build(symc.parse(text))
    assert info.value.location is not None
