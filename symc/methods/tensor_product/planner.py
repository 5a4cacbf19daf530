"""Cost model of the tensor-product routes, used by ``impl='auto'`` and reported by ``describe()``.

Counts are per product of one sample and one channel (multiply-adds, and float32 elements held for
backward). The dense routes are one GEMM of the outer product ``x ⊗ y`` with a coupling matrix; the grid
route is the separable sphere transform of ``symc.so3.sphere_grid`` (per-m Legendre ``bmm`` and half-φ
GEMMs to evaluate both operands, four pointwise products, the transposed steps to project), O(L³); the
Fourier route is two sparse conversions, three real FFTs on an ``N × N`` torus, ``N = 2(L1+L2)+1``, and
one sparse conversion back.

``ROUTE_EFFICIENCY`` turns operation counts into time: it is the measured time per counted operation
relative to the dense GEMM route on CPU (one thread, float32, batch 1024, channels 1 and 16, L = 1..6,
fwd and fwd+bwd; crossover dense → grid at L = 3, where they are within 30 %): the dense route's GEMM has
a large inner dimension and runs near peak (its outer product is counted as ``OUTER_PRODUCT_OPERATIONS``
per element); the grid route's GEMMs have inner dimensions ≤ 2L+1 and it is memory-bound (≈ 5x the time
per operation); the Fourier route's small batched matmuls, complex reshuffles and FFTs ≈ 8x (it never
wins on CPU). The choice is by the product of both; memory is reported, and a
route whose intermediates would exceed ``MEMORY_LIMIT_BYTES`` for the batch is skipped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

ROUTE_EFFICIENCY = {"cg": 1.0, "dense": 1.0, "grid": 5.0, "fft": 8.0}
MEMORY_LIMIT_BYTES = 8 * 2**30
# Max relative float32 error against float64 (largest entry of |y32 − y64| / max |y64|), an upper envelope
# a·(L+1)^b of measurements at L = 1..10, batch 64, full products: dense 0.5–2.9e-7, grid 1.1–2.1e-7,
# Fourier 1.9–3.4e-7, CG 0.7–1.5e-7 (L ≤ 6). tests/test_gaunt.py bounds the routes' float32 agreement.
FLOAT32_ERROR = {"cg": (6e-8, 0.8), "dense": (6e-8, 0.8), "grid": (1.5e-7, 0.5), "fft": (2.5e-7, 0.2)}


@dataclass(frozen=True)
class RouteCost:
    """Operations and float32 memory per (sample, channel), and the expected float32 relative error."""

    route: str
    operations: float
    elements: float
    float32_error: float

    def time_units(self) -> float:
        return self.operations * ROUTE_EFFICIENCY[self.route]


def dense_cost(route: str, d1: int, d2: int, dout: int, lmax: int) -> RouteCost:
    """Outer product then GEMM with a ``(d1·d2, dout)`` coupling matrix: O(L⁶) for a full product.

    Splitting the GEMM per (l1, l2) block to skip unreachable l3 halves the count at L ≥ 6 but measured no
    faster (many small GEMMs), so one GEMM it is.
    """
    return RouteCost(route, d1 * d2 * (1 + dout), d1 * d2 + dout, _error(route, lmax))


# The Gaunt dense route materialises the outer product x ⊗ y (broadcast over channels in the convolution
# form) and its backward sums it back: measured ≈ 16 GEMM operations per outer-product element, forward and
# backward together (one thread, float32, batch 1024, channels 16; full products L = 1..4 and convolutions
# L = 2..6: dense beats grid only for full products at L ≤ 2).
OUTER_PRODUCT_OPERATIONS = 16


def gaunt_dense_cost(d1: int, d2: int, dout: int, lmax: int) -> RouteCost:
    """The Gaunt coefficients in one GEMM of the outer product: ``d1·d2·(OUTER_PRODUCT_OPERATIONS + dout)``."""
    return RouteCost("dense", d1 * d2 * (OUTER_PRODUCT_OPERATIONS + dout), d1 * d2 + dout, _error("dense", lmax))


def grid_cost(
    l1: int, l2: int, lout: int, d1: int, d2: int, dout: int, shared_second: bool, channels: int
) -> RouteCost:
    """Separable evaluation of both operands, pointwise products, separable projection: O(L³).

    The grid has ``nθ = ⌊D/2⌋ + 1`` rings, ``D = L1 + L2 + Lo``, and ``J + 1 = ⌊(D+1)/2⌋ + 1`` azimuths
    (the other half are mirror images). Autograd keeps only the inputs (the grid values live in chunks).
    """
    degree = l1 + l2 + lout
    rings, half = degree // 2 + 1, (degree + 1) // 2 + 1

    def evaluate(l: int) -> int:  # gather, per-m Legendre bmm, cos/sin GEMMs; projecting costs the same
        return (2 * l + 1) * (l + 1) * (1 + rings) + (2 * l + 1) * half * rings

    second = evaluate(l2) / channels if shared_second else evaluate(l2)
    operations = evaluate(l1) + second + 4 * half * rings + evaluate(lout) + dout
    return RouteCost(
        "grid", operations, d1 + d2 / (channels if shared_second else 1) + dout, _error("grid", max(l1, l2, lout))
    )


def fft_cost(l1: int, l2: int, lout: int, shared_second: bool, channels: int) -> RouteCost:
    """Sparse conversions O(L³) and real 2D FFTs O(L² log L) on the ``N × N`` torus."""
    grid = 2 * (l1 + l2) + 1
    convert1 = (l1 + 1) * 2 * (l1 + 1) * 2 * grid
    convert2 = (l2 + 1) * 2 * (l2 + 1) * 2 * grid
    convert_out = (lout + 1) * 2 * grid * 2 * (lout + 1)
    ffts = (3 if not shared_second else 2 + 1 / channels) * 2.5 * grid * grid * math.log2(grid * grid)
    second = convert2 / channels if shared_second else convert2
    operations = convert1 + second + convert_out + ffts
    return RouteCost("fft", operations, 4 * grid * grid, _error("fft", max(l1, l2, lout)))


def _error(route: str, lmax: int) -> float:
    scale, power = FLOAT32_ERROR[route]
    return scale * (lmax + 1) ** power


def choose(costs: list[RouteCost], batch: int, channels: int) -> tuple[RouteCost, str]:
    """The cheapest route whose float32 intermediates fit ``MEMORY_LIMIT_BYTES``, and why."""
    fitting = [c for c in costs if 4 * c.elements * batch * channels <= MEMORY_LIMIT_BYTES] or costs
    best = min(fitting, key=RouteCost.time_units)
    others = ", ".join(f"{c.route} {c.time_units() / best.time_units():.2f}x" for c in costs if c is not best)
    reason = f"lowest modelled time at batch {batch} x {channels} channels"
    return best, reason + (f" (relative: {others})" if others else "")


# Clebsch–Gordan layouts (symc.methods.tensor_product.routes.cg). Fixed cost of one (l1, l2) block per call
# (Python dispatch of its ~10 small ops, forward and backward), in dense-route operations of the whole call:
# measured ≈ 0.15 ms per block against ≈ 0.3 ns per dense operation (one thread, float32, batch 1024, L ≤ 4).
CG_BLOCK_CALL_OPERATIONS = 5e5


def cg_cost(
    dense: RouteCost, block_layout: tuple[int, int, int], batch: int, channels: int, external: bool
) -> tuple[RouteCost, str, str]:
    """Choose the CG layout: one dense GEMM (``dense``, O(d1·d2·dout)) or one GEMM per (l1, l2) block.

    ``block_layout`` is ``(operations, elements, blocks)`` of the blocks (``routes.cg.block_operations``): they
    cost the paths' own work, O(Σ n1·n2·n3), ≈ 1/4 of dense at L = 8, plus
    ``CG_BLOCK_CALL_OPERATIONS / (batch · channels)`` per block. Forward and backward together, dense runs
    three GEMMs to the blocks' two (its folded weights need the coefficients' gradient), hence the 1.5.
    Per-sample weights need blocks. Returns the cost, the layout (``'dense'`` or ``'blocks'``) and why.
    """
    operations, elements, blocks = block_layout
    blocked = operations + blocks * CG_BLOCK_CALL_OPERATIONS / max(1, batch * channels)
    if external or blocked < 1.5 * dense.operations:
        why = "per-sample path weights need one block per (l1, l2)" if external else "blocks are cheaper"
        cost = RouteCost(dense.route, blocked, elements, dense.float32_error)
        compared = f"{blocked:.3g} vs dense 1.5 × {dense.operations:.3g} ops"
        return cost, "blocks", f"{blocks} (l1, l2) blocks: {why} ({compared})"
    return dense, "dense", f"one dense GEMM (1.5 × {dense.operations:.3g} ops vs {blocked:.3g} in {blocks} blocks)"


# ---------------------------------------------------------------- planning a descriptor
# Execution routes (``symc.methods.tensor_product.routes``): the two CG layouts and the three Gaunt routes.
CG_ROUTES = ("cg-dense", "cg-blocks")
GAUNT_ROUTES = ("dense", "grid", "fft")
ROUTE_NAMES = CG_ROUTES + GAUNT_ROUTES


@dataclass(frozen=True)
class Plan:
    """A planned route (a key of ``routes.ROUTES``), why, its modelled cost and every candidate's."""

    route: str
    reason: str
    cost: RouteCost
    costs: tuple[RouteCost, ...]


def route_costs(descriptor) -> list[RouteCost]:
    """Modelled costs per (sample, channel) of the descriptor's candidate routes (before the CG layout)."""
    u = descriptor.units
    d1, d2, dout = (sum(ir.dim for ir in unit) for unit in (u.unit1, u.unit2, u.unit_out))
    l1, l2, lo = descriptor.lmax()
    if descriptor.impl == "cg":
        return [dense_cost("cg", d1, d2, dout, max(l1, l2, lo))]
    return [
        gaunt_dense_cost(d1, d2, dout, max(l1, l2, lo)),
        grid_cost(l1, l2, lo, d1, d2, dout, u.shared_second, u.channels),
        fft_cost(l1, l2, lo, u.shared_second, u.channels),
    ]


def plan_route(descriptor, device: object = "cpu", batch: int = 1024, route: str | None = None) -> Plan:
    """Pick the route of ``descriptor`` for ``batch`` samples on ``device`` (a string or ``torch.device``).

    ``route`` forces a Gaunt route. The cost model was measured on CPU; on other devices it is applied as
    is (the reason says so). Needs no device to exist: only its type is read.
    """
    from symc.methods.tensor_product.routes.cg import block_operations

    kind = str(device).split(":")[0]
    costs = route_costs(descriptor)
    where = "" if kind == "cpu" else f"; cost model measured on CPU, applied as is on {kind}"
    if descriptor.impl == "cg":
        blocks = block_operations(descriptor.units, list(descriptor.paths))
        cost, layout, why = cg_cost(costs[0], blocks, batch, descriptor.channels, descriptor.external_weights)
        reason = f"Clebsch–Gordan (the only route with per-path weights and odd paths), {why}"
        return Plan(f"cg-{layout}", reason + where, cost, (cost,))
    if route is not None:
        if route not in GAUNT_ROUTES:
            raise ValueError(f"unknown Gaunt route {route!r}")
        cost = next(c for c in costs if c.route == route)
        return Plan(route, "route forced by the caller", cost, tuple(costs))
    cost, reason = choose(costs, batch, descriptor.channels)
    return Plan(cost.route, reason + where, cost, tuple(costs))


def plan(descriptor, device: object = "cpu", batch: int = 1024) -> tuple[str, str]:
    """``(route name, reason)`` for ``descriptor`` at ``batch`` samples on ``device``; see ``plan_route``."""
    chosen = plan_route(descriptor, device, batch)
    return chosen.route, chosen.reason
