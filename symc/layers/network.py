"""The stacked ``method basis`` network: EMLP-style blocks (Linear → BiLinear → Gated), then a linear readout."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from symc.layers.bases import BasisProvider
from symc.layers.blocks import FeatureLayout
from symc.layers.linear import EquivariantLinear, linear_maps
from symc.layers.nonlinear import (
    BILINEAR_COPIES,
    BILINEAR_RANK,
    EquivariantBilinear,
    GatedNonlinearity,
    product_layout,
    product_pairs,
    with_gates,
)


def has_products(hidden: FeatureLayout) -> bool:
    """Whether a block over ``hidden`` has a bilinear layer (some pair of blocks with product rank ≤ 2)."""
    return bool(product_pairs(hidden, max_rank=2, max_copies=1))


def network_maps(in_layout: FeatureLayout, hidden: FeatureLayout, out_layout: FeatureLayout, layers: int) -> list:
    """Every ``(rep_in, rep_out)`` map a ``BasisNetwork`` with these layouts reads, in build order: what
    the solved IR must hold before the network is built."""
    gated = with_gates(hidden)
    products = product_layout(hidden, product_pairs(hidden, BILINEAR_RANK, BILINEAR_COPIES))
    maps = []
    for i in range(layers):
        maps += linear_maps(in_layout if i == 0 else hidden, gated)
        if has_products(hidden):
            maps += linear_maps(products, gated, bias=False)
    return maps + linear_maps(hidden if layers else in_layout, out_layout)


class EquivariantBlock(nn.Module):
    """``in_layout -> hidden``: ``lin = Linear(x)`` (hidden + gates), ``pre = lin + BiLinear(lin)``, ``Gated(pre)``.

    The bilinear products read only the hidden blocks of ``lin`` (gate channels sit after them at each
    order, so the hidden blocks keep their offsets).
    """

    def __init__(
        self,
        in_layout: FeatureLayout,
        hidden: FeatureLayout,
        bases: BasisProvider,
        scalar_activation: nn.Module,
        *,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        gated = with_gates(hidden)
        self.linear = EquivariantLinear(in_layout, gated, bases, generator=generator)
        self.bilinear = EquivariantBilinear(hidden, gated, bases, generator=generator) if has_products(hidden) else None
        self.gate = GatedNonlinearity(hidden, scalar_activation)

    def forward(self, features: dict[int, Tensor], n: int | None) -> dict[int, Tensor]:
        pre = self.linear(features, n)
        if self.bilinear is not None:
            products = self.bilinear(pre, n)
            pre = {order: x + products[order] for order, x in pre.items()}
        return self.gate(pre)


class BasisNetwork(nn.Module):
    """``layers`` equivariant blocks over the hidden layout, then an equivariant linear map to the outputs.

    forward: ``{order: (batch, n^order..., C)}`` in ``in_layout`` -> the same for ``out_layout``;
    ``readout`` ("mean"/"sum") is the pooling used by the final layer's order-reducing ops.
    """

    def __init__(
        self,
        in_layout: FeatureLayout,
        hidden: FeatureLayout,
        out_layout: FeatureLayout,
        layers: int,
        bases: BasisProvider,
        scalar_activation: nn.Module,
        *,
        readout: str = "mean",
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(
            EquivariantBlock(in_layout if i == 0 else hidden, hidden, bases, scalar_activation, generator=generator)
            for i in range(layers)
        )
        last = hidden if layers else in_layout
        self.readout = EquivariantLinear(last, out_layout, bases, reduction=readout, generator=generator)

    def forward(self, features: dict[int, Tensor], n: int | None) -> dict[int, Tensor]:
        for block in self.blocks:
            features = block(features, n)
        return self.readout(features, n)
