"""The stacked ``method basis`` network: EMLP-style blocks (Linear → BiLinear → Gated), then a linear readout."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from symc.layers.bases import BasisProvider
from symc.layers.blocks import FeatureLayout
from symc.layers.linear import EquivariantLinear
from symc.layers.nonlinear import EquivariantBilinear, GatedNonlinearity, product_pairs, with_gates


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
        has_products = bool(product_pairs(hidden, max_rank=2, max_copies=1))
        self.bilinear = EquivariantBilinear(hidden, gated, bases, generator=generator) if has_products else None
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
