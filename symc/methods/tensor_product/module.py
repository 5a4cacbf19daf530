"""``TensorProduct``: channel-wise O(3) tensor products by Clebsch–Gordan or by the Gaunt product.

``TensorProduct("16x0e+16x1o+16x2e", "16x0e+16x1o+16x2e", "16x0e+16x1o+16x2e", impl="gaunt")`` maps
``x (..., 144)`` and ``y (..., 144)`` to ``(..., 144)``, channel by channel ("feature interaction"); with
``irreps2 = "0e+1o+2e"`` (one channel, e.g. the harmonics of an edge vector) the second operand is
broadcast over the channels ("equivariant convolution"), usually with ``external_weights=True`` and
per-edge weights from a radial network. Tensors use e3nn's layout (``symc.so3.irreps``).

- ``impl='cg'``: every path allowed by the triangle rule and parity, one learnable weight per path
  (or per sample with external weights). Two routes (``symc.methods.tensor_product.routes.cg``): one dense GEMM
  ``(x ⊗ y) @ C``, O(L⁶) per product, for small products; or one GEMM per (l1, l2) pair restricted to
  the l3 it reaches, O(Σ_paths n1·n2·n3) (e3nn's work), chosen by ``tp_cost.cg_cost``.
- ``impl='gaunt'``: the exact product of the two spherical functions, projected on the output degrees:
  only paths with ``l1+l2+l3`` even (for irreps with parity (−1)^l, as harmonics, those are all the
  paths parity allows; pseudo-tensor outputs such as the cross product 1o ⊗ 1o → 1e are not produced:
  add a second ``TensorProduct(impl='cg')`` for them). Path weights are fixed to the Gaunt coefficients;
  learnable (or external) weights scale each input-1 irrep and each output irrep. Three routes give the
  same numbers: ``dense`` (Gaunt coefficients in one GEMM, O(L⁶)), ``grid`` (exact S² quadrature with
  separable transforms, O(L³), ``symc.so3.sphere_grid``: it reads and writes e3nn's layout directly, and
  its backward is two more grid products, so autograd keeps only the inputs) and ``fft`` (2D Fourier,
  O(L³) but slower in practice); the cost model of ``symc.methods.tensor_product.planner`` picks one.
- ``impl='auto'``: Gaunt when it produces every requested output, else CG; then the cheapest route.

The layer is three parts: ``tp.descriptor`` (``TensorProductDescriptor``: the irreps, paths, coefficient
kinds and weight layout, no tensors), the planner's choice (``planner.plan_route``) and the route module
``tp.executor`` (``symc.methods.tensor_product.routes``) that builds the tables and runs the product.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from symc.errors import SymcError
from symc.methods.tensor_product.descriptor import IMPLS, TensorProductDescriptor
from symc.methods.tensor_product.planner import GAUNT_ROUTES, RouteCost, plan_route
from symc.methods.tensor_product.routes import Route, build_route
from symc.runtime.cpu_allocator import retain_freed_cpu_memory
from symc.so3.irreps import Irreps

__all__ = ["GAUNT_ROUTES", "IMPLS", "TensorProduct"]


class TensorProduct(nn.Module):
    """Channel-wise tensor product ``(..., irreps1.dim), (..., irreps2.dim) -> (..., irreps_out.dim)``.

    ``route`` forces a Gaunt route (``dense``/``grid``/``fft``); ``batch_hint`` is the batch size the
    cost model assumes. ``weight_numel`` is the number of weights per channel; with
    ``external_weights=True``, ``forward(x, y, weight)`` takes ``weight (..., weight_numel)`` or
    ``(..., channels, weight_numel)``. ``descriptor`` is the product's ``TensorProductDescriptor``,
    ``executor`` the route module running it; ``route`` is ``'cg'`` (layout ``cg_layout``) or the Gaunt route.
    """

    def __init__(
        self,
        irreps1: Irreps | str,
        irreps2: Irreps | str,
        irreps_out: Irreps | str,
        impl: str = "auto",
        *,
        external_weights: bool = False,
        route: str | None = None,
        batch_hint: int = 1024,
    ) -> None:
        super().__init__()
        retain_freed_cpu_memory()  # a product's temporaries would otherwise page-fault on every CPU call
        if impl not in IMPLS:
            raise SymcError(f"unknown tensor-product impl '{impl}'", hint=f"use one of {', '.join(IMPLS)}")
        if route is not None and route not in GAUNT_ROUTES:
            raise SymcError(f"unknown Gaunt route '{route}'", hint=f"use one of {', '.join(GAUNT_ROUTES)}")
        self.irreps1, self.irreps2, self.irreps_out = Irreps(irreps1), Irreps(irreps2), Irreps(irreps_out)
        self.descriptor = TensorProductDescriptor.build(
            self.irreps1, self.irreps2, self.irreps_out, impl, external_weights=external_weights
        )
        d = self.descriptor
        self.units, self.impl, self.paths = d.units, d.impl, list(d.paths)
        self.cg_paths = d.cg_paths()
        self.external_weights = external_weights
        chosen = plan_route(d, "cpu", batch_hint, None if d.impl == "cg" else route)
        self.plan = chosen
        self.costs: list[RouteCost] = list(chosen.costs)
        self.cost, self.reason = chosen.cost, chosen.reason
        self.route = "cg" if d.impl == "cg" else chosen.route
        if d.impl == "cg":
            self.cg_layout = chosen.route.removeprefix("cg-")
        self.executor: Route = build_route(d, chosen.route)
        if not external_weights:
            self.weight = nn.Parameter(torch.ones(d.weight_numel))
        self.to(torch.get_default_dtype())

    @property
    def weight_numel(self) -> int:
        return self.descriptor.weight_numel

    # ---------------------------------------------------------------- forward
    def forward(self, x: Tensor, y: Tensor, weight: Tensor | None = None) -> Tensor:
        """``x (..., irreps1.dim)``, ``y (..., irreps2.dim)`` with equal leading shapes → ``(..., irreps_out.dim)``."""
        self.irreps1.check_tensor(x, "x")
        self.irreps2.check_tensor(y, "y")
        batch = x.shape[:-1]
        if y.shape[:-1] != batch:
            raise SymcError(
                f"x has leading shape {tuple(batch)} but y has {tuple(y.shape[:-1])}",
                hint="pass operands with the same batch shape (expand y explicitly to broadcast it)",
            )
        w = self._weights(weight, batch, math.prod(batch))
        out = self.executor.forward(x.reshape(-1, x.shape[-1]), y.reshape(-1, y.shape[-1]), w)
        return out.reshape(*batch, self.irreps_out.dim)

    def _weights(self, weight: Tensor | None, batch: torch.Size, rows: int) -> Tensor:
        """The weights as ``(rows or 1, channels or 1, weight_numel)``."""
        if not self.external_weights:
            if weight is not None:
                raise SymcError("this TensorProduct has internal weights", hint="build it with external_weights=True")
            return self.weight.reshape(1, 1, -1)
        n, c = self.weight_numel, self.units.channels
        if weight is None or weight.shape not in (torch.Size([*batch, n]), torch.Size([*batch, c, n])):
            got = None if weight is None else tuple(weight.shape)
            raise SymcError(
                f"expected external weights of shape {(*batch, n)} or {(*batch, c, n)}, got {got}",
                hint=f"weight_numel = {n} per channel ({_weight_meaning(self.impl)})",
            )
        return weight.reshape(rows, -1, n)

    # ---------------------------------------------------------------- reporting
    def lost_paths(self) -> list[str]:
        """Paths that CG has and this product does not (empty for CG)."""
        return self.descriptor.lost_paths()

    def describe(self) -> str:
        """Route, why, the paths the choice loses, and the expected float32 error (for ``symc info``)."""
        lost = self.lost_paths()
        lines = [
            f"TensorProduct {self.irreps1} ⊗ {self.irreps2} → {self.irreps_out}",
            f"  impl {self.impl}, route {self.route}: {self.reason}",
            f"  paths {len(self.paths)}; weights per channel {self.weight_numel}"
            + (" (external)" if self.external_weights else ""),
            "  modelled cost per product: "
            + ", ".join(f"{c.route} {c.operations:.3g} ops / {c.elements:.3g} floats" for c in self.costs),
            f"  expected float32 relative error ≈ {self.cost.float32_error:.1e}",
        ]
        if self.impl == "gaunt":
            lines.append("  path weights fixed to Gaunt coefficients; learnable scale per input-1 and output irrep")
        lines.append("  lost paths vs CG: " + (", ".join(lost) if lost else "none"))
        lines.append(f"  descriptor {self.descriptor.digest()}")
        return "\n".join(lines)

    def extra_repr(self) -> str:
        return f"{self.irreps1} x {self.irreps2} -> {self.irreps_out}, impl={self.impl}, route={self.route}"


def _weight_meaning(impl: str) -> str:
    return "one per path" if impl == "cg" else "one per input-1 irrep, then one per output irrep"
