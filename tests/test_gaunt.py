"""The three Gaunt routes (dense coefficients, sphere grid, 2D Fourier) compute the same product."""

from __future__ import annotations

import math

import pytest
import torch

from symc.methods.tensor_product.module import TensorProduct
from symc.so3 import gaunt, sphere_grid, spherical_harmonics
from symc.so3.coupling import sphere_quadrature
from symc.so3.gaunt_fft import fourier_product, fourier_tables
from symc.so3.irreps import Irreps
from symc.so3.sphere_grid import grid_product, operand_tables


def _dense_gaunt(l1: int, l2: int, lout: int) -> torch.Tensor:
    """Reference ``(D1, D2, Do)`` Gaunt coefficients in the full layout, from ``symc.so3.gaunt``."""
    out = torch.zeros((l1 + 1) ** 2, (l2 + 1) ** 2, (lout + 1) ** 2, dtype=torch.float64)
    for a in range(l1 + 1):
        for b in range(l2 + 1):
            for c in range(abs(a - b), min(a + b, lout) + 1, 2):
                out[a * a : (a + 1) ** 2, b * b : (b + 1) ** 2, c * c : (c + 1) ** 2] = gaunt(a, b, c)
    return out


@pytest.mark.parametrize(
    ("l1", "l2", "lout"), [(1, 1, 2), (2, 3, 4), (4, 4, 8), (6, 6, 12), (3, 5, 8), (8, 8, 16), (10, 10, 20), (5, 4, 1)]
)
def test_fourier_and_grid_products_equal_the_gaunt_contraction(l1: int, l2: int, lout: int) -> None:
    generator = torch.Generator().manual_seed(l1 * 10 + l2)
    x = torch.randn(6, (l1 + 1) ** 2, generator=generator, dtype=torch.float64)
    y = torch.randn(6, (l2 + 1) ** 2, generator=generator, dtype=torch.float64)
    reference = torch.einsum("mi,mj,ijk->mk", x, y, _dense_gaunt(l1, l2, lout))
    assert (fourier_product(x, y, fourier_tables(l1, l2, lout)) - reference).abs().max() < 1e-10
    tables = tuple(operand_tables(tuple(range(l + 1)), l1 + l2 + lout) for l in (l1, l2, lout))
    assert (grid_product(x, y, tables, (0, 1, 2)) - reference).abs().max() < 1e-10


def _embed(unit: torch.Tensor, degrees: tuple[int, ...]) -> torch.Tensor:
    """Unit-layout coefficients ``(M, dim)`` → full layout ``(M, (max+1)²)``."""
    full = torch.zeros(unit.shape[0], (max(degrees) + 1) ** 2, dtype=unit.dtype)
    start = 0
    for l in degrees:
        full[:, l * l : (l + 1) ** 2] = unit[:, start : start + 2 * l + 1]
        start += 2 * l + 1
    return full


def test_grid_product_with_channels_layouts_gaps_and_derivatives() -> None:
    """Two channels in a permuted layout, a broadcast one-channel operand, absent degrees, any-order grads."""
    da, db, dc = (3, 1), (0, 2), (1, 3, 5)
    dims = [sum(2 * l + 1 for l in d) for d in (da, db, dc)]
    generator = torch.Generator().manual_seed(7)
    layout_a, layout_c = (
        torch.randperm(2 * dims[0], generator=generator),
        torch.randperm(2 * dims[2], generator=generator),
    )
    tables = (
        operand_tables(da, 10, 2.0, layout_a),
        operand_tables(db, 10, 2.0),
        operand_tables(dc, 10, 2.0, layout_c),
    )
    a = torch.randn(4, 2 * dims[0], generator=generator, dtype=torch.float64, requires_grad=True)
    b = torch.randn(4, dims[1], generator=generator, dtype=torch.float64, requires_grad=True)
    out = grid_product(a, b, tables, (0, 1, 2))
    coefficients = _dense_gaunt(3, 2, 5)
    keep = torch.cat([torch.arange(l * l, (l + 1) ** 2) for l in dc])
    for channel in range(2):
        unit_a = a[:, layout_a.view(2, -1)[channel]]
        full = torch.einsum("mi,mj,ijk->mk", _embed(unit_a, da), _embed(b, db), coefficients)
        assert (out[:, layout_c.view(2, -1)[channel]] - 2.0 * full[:, keep]).abs().max() < 1e-10
    # The gradient of the broadcast operand sums over the channels; derivatives of any order are products.
    assert torch.autograd.gradcheck(lambda u, v: grid_product(u, v, tables, (0, 1, 2)), (a, b))
    assert torch.autograd.gradgradcheck(lambda u, v: grid_product(u, v, tables, (0, 1, 2)), (a, b))


def test_grid_product_in_chunks_equals_one_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Several chunks (forward stores feature-major, the gradients row-major) give the one-chunk numbers."""
    tables = tuple(operand_tables(tuple(range(l + 1)), 8) for l in (2, 2, 4))
    generator = torch.Generator().manual_seed(3)
    a, b = (torch.randn(37, 9, generator=generator, dtype=torch.float64, requires_grad=True) for _ in range(2))
    up = torch.randn(37, 25, generator=generator, dtype=torch.float64)

    def product_and_gradients() -> list[torch.Tensor]:
        out = grid_product(a, b, tables, (0, 1, 2))
        return [out, *torch.autograd.grad(out, (a, b), up)]

    whole = product_and_gradients()
    monkeypatch.setattr(sphere_grid, "GRID_CHUNK_ELEMENTS", 500)  # 10 samples: 4 equal chunks
    assert sphere_grid._chunks(37, tables, a.device) == [(0, 10), (10, 20), (20, 30), (30, 37)]
    for chunked, reference in zip(product_and_gradients(), whole, strict=True):
        assert (chunked - reference).abs().max() < 1e-12


def test_gaunt_product_is_the_pointwise_product_of_spherical_functions() -> None:
    lmax = 3
    x = torch.randn(2, (lmax + 1) ** 2, dtype=torch.float64)
    y = torch.randn(2, (lmax + 1) ** 2, dtype=torch.float64)
    points, weights = sphere_quadrature(4 * lmax)
    basis = torch.cat([spherical_harmonics(l, points) for l in range(2 * lmax + 1)], dim=-1)
    low = basis[:, : (lmax + 1) ** 2]
    projected = ((x @ low.T) * (y @ low.T) * weights) @ basis
    product = fourier_product(x, y, fourier_tables(lmax, lmax, 2 * lmax))
    assert torch.allclose(product, projected, atol=1e-12)


def _features(lmax: int, channels: int) -> Irreps:
    return Irreps([(channels, (l, (-1) ** l)) for l in range(lmax + 1)])


@pytest.mark.parametrize("lmax", [1, 2, 4, 6, 8, 10])
def test_module_routes_agree_in_float64_and_float32(lmax: int) -> None:
    """Every route equals the dense Gaunt module to 1e-10 (float64) and 1e-5 relative (float32).

    The module's dense route builds its coefficients by quadrature; the test above ties the routes to
    ``symc.so3.gaunt`` path by path up to L = 6.
    """
    channels = 2
    irreps, out = _features(lmax, channels), _features(min(2 * lmax, 12), channels)
    generator = torch.Generator().manual_seed(lmax)
    x = torch.randn(5, irreps.dim, generator=generator, dtype=torch.float64)
    y = torch.randn(5, irreps.dim, generator=generator, dtype=torch.float64)
    modules = {r: TensorProduct(irreps, irreps, out, "gaunt", route=r).double() for r in ("dense", "grid", "fft")}
    with torch.no_grad():
        for module in modules.values():
            module.weight.copy_(torch.linspace(0.5, 1.5, module.weight_numel))
        reference = modules["dense"](x, y)
        scale = reference.abs().max()
        for route in ("grid", "fft"):
            assert (modules[route](x, y) - reference).abs().max() < 1e-10
            single = modules[route].float()(x.float(), y.float()).double()
            assert (single - reference).abs().max() / scale < 1e-5, route


def test_gaunt_agrees_with_cg_up_to_path_constants() -> None:
    """1o ⊗ 1o: the 0e output is the dot product, the 2e output is CG's times one constant."""
    x = torch.randn(4, 3, dtype=torch.float64)
    y = torch.randn(4, 3, dtype=torch.float64)
    g = TensorProduct("1o", "1o", "0e+2e", "gaunt", route="fft").double()(x, y)
    c = TensorProduct("1o", "1o", "0e+2e", "cg").double()(x, y)
    assert torch.allclose(g[:, 0], (x * y).sum(-1), atol=1e-12)
    ratio = g[:, 1:] / c[:, 1:]
    assert torch.allclose(ratio, ratio[0, 0].expand_as(ratio), atol=1e-9)
    # Gaunt = κ(1,1,2) · C / sqrt(5) (unit-norm 3j symbol), κ = 0.69099; the module scales it by sqrt(4π),
    # and the CG module carries sqrt(2l3+1) = sqrt(5): ratio ±sqrt(4π) κ / 5 (sign: CG's sign convention).
    assert math.isclose(abs(ratio[0, 0].item()), math.sqrt(4 * math.pi) * 0.69099 / 5, rel_tol=1e-4)
