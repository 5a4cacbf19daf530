"""Equivariant nonlinearities for any catalogue group: gated activations and a bilinear product layer.

Gates (EMLP): every copy of a non-scalar block is multiplied by sigmoid of its own invariant scalar, so the
layer commutes with every group element, compact or not; scalar channels go through a pointwise activation.
Bilinear: Kronecker products ``x_i ⊗ y_i`` of matching copies of two blocks transform as ``A ⊗ B`` exactly,
and an equivariant linear map takes them back; this gives the network polynomial features (dot products,
outer products) that gates alone only approximate.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from symc.errors import SymcError
from symc.layers.bases import BasisProvider
from symc.layers.blocks import SCALAR, Block, FeatureLayout, product_rep, tensor_rank
from symc.layers.linear import EquivariantLinear

# Products multiply magnitudes layer after layer; a small initial gain keeps deep stacks near O(1) at init.
BILINEAR_RANK = 2  # products of tensor rank at most 2
BILINEAR_COPIES = 4  # copies of each block that enter products
BILINEAR_GAIN = 0.1
ACTIVATIONS = {
    "silu": nn.SiLU,
    "swish": nn.SiLU,
    "relu": nn.ReLU,
    "gelu": nn.GELU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "softplus": nn.Softplus,
}


def activation(name: str | None) -> nn.Module:
    """The scalar activation named by the spec's ``nonlinearity`` knob (default SiLU; ``gated`` names the
    default, since non-scalar channels are always gated)."""
    key = "silu" if name in (None, "gated") else name.lower()
    if key not in ACTIVATIONS:
        raise SymcError(f"unknown nonlinearity '{name}'", hint=f"choose one of {', '.join(sorted(ACTIVATIONS))}")
    return ACTIVATIONS[key]()


def with_gates(hidden: FeatureLayout) -> FeatureLayout:
    """``hidden`` plus one invariant gate channel per copy of each non-scalar block, at the same order."""
    gates: dict[int, int] = {}
    for block in hidden.blocks:
        if not block.is_scalar:
            gates[block.order] = gates.get(block.order, 0) + block.mult
    return hidden + FeatureLayout(tuple(Block(SCALAR, m, order, 1) for order, m in sorted(gates.items())))


class GatedNonlinearity(nn.Module):
    """``with_gates(hidden) -> hidden`` at each order: scalars ``act(s)``, each non-scalar copy ``v · σ(gate)``.

    Channel shuffles are precomputed index tables, so the cost is O(batch · n^order · C).
    """

    def __init__(self, hidden: FeatureLayout, scalar_activation: nn.Module) -> None:
        super().__init__()
        self.hidden = hidden
        self.act = scalar_activation
        self.orders = hidden.orders
        for order in self.orders:
            scalar_idx, vector_idx, gate_of_channel = [], [], []
            gate_start = sum(b.size for b in hidden.blocks if b.order == order)
            gate_count = 0
            for i, block in enumerate(hidden.blocks):
                if block.order != order:
                    continue
                channels = list(range(hidden.offset(i), hidden.offset(i) + block.size))
                if block.is_scalar:
                    scalar_idx += channels
                    continue
                vector_idx += channels
                for copy in range(block.mult):
                    gate_of_channel += [gate_start + gate_count + copy] * block.dim
                gate_count += block.mult
            restore = torch.argsort(torch.tensor(scalar_idx + vector_idx, dtype=torch.long))
            self.register_buffer(f"scalars_{order}", torch.tensor(scalar_idx, dtype=torch.long), persistent=False)
            self.register_buffer(f"vectors_{order}", torch.tensor(vector_idx, dtype=torch.long), persistent=False)
            self.register_buffer(f"gates_{order}", torch.tensor(gate_of_channel, dtype=torch.long), persistent=False)
            self.register_buffer(f"restore_{order}", restore, persistent=False)

    def forward(self, features: dict[int, Tensor]) -> dict[int, Tensor]:
        out = {}
        for order in self.orders:
            x = features[order]
            scalars = self.act(x.index_select(-1, getattr(self, f"scalars_{order}")))
            vectors = x.index_select(-1, getattr(self, f"vectors_{order}"))
            gates = torch.sigmoid(x.index_select(-1, getattr(self, f"gates_{order}")))
            out[order] = torch.cat([scalars, vectors * gates], dim=-1).index_select(
                -1, getattr(self, f"restore_{order}")
            )
        return out


@dataclass(frozen=True)
class ProductPair:
    """Copy i of block ``left`` times copy ``(i + right_shift) mod mult`` of block ``right``, i < ``copies``.

    A block times itself uses the next copy (shift 1) when it has several: ``x_i ⊗ x_i`` is symmetric and
    would lose every antisymmetric invariant (cross products, determinants), while ``x_i ⊗ x_{i+1}`` keeps
    both parts and still gives squares when the layer before learns ``x_{i+1} = x_i``.
    """

    left: int
    right: int
    copies: int
    right_shift: int = 0


def product_pairs(layout: FeatureLayout, max_rank: int, max_copies: int) -> list[ProductPair]:
    """Unordered block pairs at the same order whose product has tensor rank ≤ ``max_rank``."""
    pairs = []
    for i, a in enumerate(layout.blocks):
        for j in range(i, len(layout.blocks)):
            b = layout.blocks[j]
            if a.order == b.order and tensor_rank(a.rep) + tensor_rank(b.rep) <= max_rank:
                shift = 1 if i == j and a.mult > 1 else 0
                pairs.append(ProductPair(i, j, min(a.mult, b.mult, max_copies), shift))
    return pairs


def product_layout(layout: FeatureLayout, pairs: list[ProductPair]) -> FeatureLayout:
    """The blocks of the Kronecker products of ``pairs`` of ``layout``'s blocks, in pair order."""
    blocks = []
    for pair in pairs:
        a, b = layout.blocks[pair.left], layout.blocks[pair.right]
        blocks.append(Block(product_rep(a.rep, b.rep), pair.copies, a.order, a.dim * b.dim))
    return FeatureLayout(tuple(blocks))


class EquivariantBilinear(nn.Module):
    """``layout -> out_layout``: Kronecker products of paired blocks, then an equivariant linear map.

    Pairs are limited to product tensor rank ≤ ``max_rank`` and ``max_copies`` copies each so the product
    features stay small: at most ``max_copies · d^max_rank`` channels per pair.
    """

    def __init__(
        self,
        layout: FeatureLayout,
        out_layout: FeatureLayout,
        bases: BasisProvider,
        *,
        max_rank: int = BILINEAR_RANK,
        max_copies: int = BILINEAR_COPIES,
        gain: float = BILINEAR_GAIN,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        self.layout = layout
        self.pairs = product_pairs(layout, max_rank, max_copies)
        self.product_layout = product_layout(layout, self.pairs)
        self.mix = EquivariantLinear(self.product_layout, out_layout, bases, bias=False, gain=gain, generator=generator)

    def products(self, features: dict[int, Tensor]) -> dict[int, Tensor]:
        """``{order: (batch, n^order..., C_products)}``: row-major Kronecker products, copy-major."""
        parts: dict[int, list[Tensor]] = {}
        for pair in self.pairs:
            a, b = self.layout.blocks[pair.left], self.layout.blocks[pair.right]
            x = features[a.order]
            lead = x.shape[:-1]
            left = x[..., self.layout.channel_slice(pair.left)].reshape(*lead, a.mult, a.dim)[..., : pair.copies, :]
            right = x[..., self.layout.channel_slice(pair.right)].reshape(*lead, b.mult, b.dim)
            right = right.roll(-pair.right_shift, dims=-2)[..., : pair.copies, :]
            product = (left[..., :, None] * right[..., None, :]).reshape(*lead, pair.copies * a.dim * b.dim)
            parts.setdefault(a.order, []).append(product)
        return {order: torch.cat(chunks, dim=-1) for order, chunks in parts.items()}

    def forward(self, features: dict[int, Tensor], n: int | None) -> dict[int, Tensor]:
        return self.mix(self.products(features), n)
