"""The equivariant linear layer: geometric bases ⊗ S(n) partition ops ⊗ free multiplicity matrices.

For an input block (m_in copies of A at order k) and an output block (m_out copies of B at order l), every
equivariant map is ``Σ_γ Σ_b c[γ, b] · op_γ ⊗ (B_b ⊗ M_{γ,b})`` with B_b the geometric basis of A -> B,
op_γ the S(n) partition ops from order k to l, and M a free ``(m_out, m_in)`` matrix: exact, and solved
once per distinct (A, B) instead of once per copy. Per forward, ``W_γ = Σ_b c[γ, b] ⊗ B_b`` is assembled
once per order pair (cost ``O(ops · K · C_out · C_in)``), then ``y = Σ_γ op_γ(x) W_γᵀ``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from symc.layers.bases import BasisProvider, BlockBasis
from symc.layers.blocks import SCALAR, FeatureLayout
from symc.layers.permutation import apply_partition_op, partition_ops


@dataclass(frozen=True)
class BlockMap:
    """One (input block, output block) pair with a non-empty geometric basis, and where its weights live."""

    in_index: int
    out_index: int
    basis_name: str
    weight_name: str
    basis_dim: int


@dataclass(frozen=True)
class BasisUse:
    """A basis a layer uses, for ``summary()``: single-copy reps, its dimension and where it came from."""

    rep_in: str
    rep_out: str
    dim: int
    ops: int
    source: str


def linear_maps(in_layout: FeatureLayout, out_layout: FeatureLayout, bias: bool = True) -> list[tuple]:
    """The ``(rep_in, rep_out)`` maps an ``EquivariantLinear(in_layout, out_layout, bias=bias)`` reads, in its
    order: every input block to every output block, then scalar biases."""
    maps = [(block_in.rep, block_out.rep) for block_in in in_layout.blocks for block_out in out_layout.blocks]
    if bias:
        maps.extend((SCALAR, block_out.rep) for block_out in out_layout.blocks)
    return maps


class EquivariantLinear(nn.Module):
    """Equivariant linear map between two feature layouts, with an optional bias in the invariant subspace.

    forward: ``{order: (batch, n^order..., C_in[order])}`` -> ``{order: (batch, n^order..., C_out[order])}``.
    ``reduction`` ("mean"/"sum") normalises the pooling ops; "mean" lets weights transfer across n.
    Initialised with variance gain²/fan-in per output block, so unit-variance inputs give O(gain) outputs.
    """

    def __init__(
        self,
        in_layout: FeatureLayout,
        out_layout: FeatureLayout,
        bases: BasisProvider,
        *,
        bias: bool = True,
        reduction: str = "mean",
        gain: float = 1.0,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        self.in_layout, self.out_layout, self.reduction = in_layout, out_layout, reduction
        self.maps: list[BlockMap] = []
        self.uses: list[BasisUse] = []
        self.biases: list[tuple[int, str, str]] = []  # (out block, basis buffer, parameter)
        buffer_of: dict[tuple, str] = {}
        self._exact_bases: dict[str, Tensor] = {}

        def basis_buffer(solved: BlockBasis) -> str:
            key = (solved.rep_in, solved.rep_out)
            if key not in buffer_of:
                buffer_of[key] = f"basis_{len(buffer_of)}"
                self._exact_bases[buffer_of[key]] = solved.basis.to(torch.float64)
                self.register_buffer(buffer_of[key], solved.basis.clone())
            return buffer_of[key]

        fan_in = [0.0] * len(out_layout.blocks)
        for i, block_in in enumerate(in_layout.blocks):
            for o, block_out in enumerate(out_layout.blocks):
                solved = bases.basis(block_in.rep, block_out.rep)
                ops = len(partition_ops(block_in.order, block_out.order))
                self.uses.append(BasisUse(str(block_in.rep), str(block_out.rep), solved.dim, ops, solved.source))
                if solved.dim == 0:
                    continue
                block_map = BlockMap(i, o, basis_buffer(solved), f"weight_{i}_{o}", solved.dim)
                self.maps.append(block_map)
                self.register_parameter(
                    block_map.weight_name,
                    nn.Parameter(torch.empty(ops, solved.dim, block_out.mult, block_in.mult, dtype=torch.float64)),
                )
                # Orthonormal B_b spread unit norm over dim_out rows, so each (op, b) adds m_in/dim_out variance.
                fan_in[o] += ops * solved.dim * block_in.mult / block_out.dim
        for block_map in self.maps:
            std = gain / math.sqrt(fan_in[block_map.out_index])
            with torch.no_grad():
                getattr(self, block_map.weight_name).normal_(0.0, std, generator=generator)
        self.order_pairs = sorted(
            {(in_layout.blocks[m.in_index].order, out_layout.blocks[m.out_index].order) for m in self.maps}
        )
        if bias:
            for o, block_out in enumerate(out_layout.blocks):
                solved = bases.basis(SCALAR, block_out.rep)
                if solved.dim == 0:
                    continue
                ops = len(partition_ops(0, block_out.order))
                name = f"bias_{o}"
                self.register_parameter(
                    name, nn.Parameter(torch.zeros(ops, solved.dim, block_out.mult, dtype=torch.float64))
                )
                self.biases.append((o, basis_buffer(solved), name))

    def _apply(self, fn, recurse: bool = True):
        """``.to()``/``.double()``/``.cuda()``: bases are re-cast from the float64 solve, never round-tripped.

        A float32 model cast back to float64 would otherwise keep float32-rounded bases, and equivariance
        would hold only to ~1e-8 instead of machine precision.
        """
        super()._apply(fn, recurse)
        for name, exact in self._exact_bases.items():
            current = self._buffers[name]
            self._buffers[name] = exact.to(device=current.device, dtype=current.dtype, copy=True)
        return self

    def assembled_weights(self, order_in: int, order_out: int) -> Tensor:
        """``W (ops, C_out, C_in)``: the dense channel map of each partition op between two orders."""
        first = next(iter(self.parameters()))
        ops = len(partition_ops(order_in, order_out))
        W = first.new_zeros(ops, self.out_layout.channels(order_out), self.in_layout.channels(order_in))
        for m in self.maps:
            block_in, block_out = self.in_layout.blocks[m.in_index], self.out_layout.blocks[m.out_index]
            if (block_in.order, block_out.order) != (order_in, order_out):
                continue
            coefficients, basis = getattr(self, m.weight_name), getattr(self, m.basis_name)
            block = torch.einsum("gkoi,kab->goaib", coefficients, basis).reshape(ops, block_out.size, block_in.size)
            W[:, self.out_layout.channel_slice(m.out_index), self.in_layout.channel_slice(m.in_index)] = block
        return W

    def assembled_bias(self, order_out: int) -> Tensor | None:
        """``(ops, C_out)`` bias of each partition op from order 0 to ``order_out``, or None without one."""
        entries = [b for b in self.biases if self.out_layout.blocks[b[0]].order == order_out]
        if not entries:
            return None
        first = getattr(self, entries[0][2])
        bias = first.new_zeros(len(partition_ops(0, order_out)), self.out_layout.channels(order_out))
        for o, basis_name, name in entries:
            coefficients, basis = getattr(self, name), getattr(self, basis_name)
            block = torch.einsum("gkm,kd->gmd", coefficients, basis[:, :, 0]).reshape(bias.shape[0], -1)
            bias[:, self.out_layout.channel_slice(o)] = block
        return bias

    def forward(self, features: dict[int, Tensor], n: int | None) -> dict[int, Tensor]:
        sample = next(iter(features.values()))
        batch = sample.shape[0]
        outputs: dict[int, Tensor] = {}
        for order_in, order_out in self.order_pairs:
            W = self.assembled_weights(order_in, order_out)
            x = features[order_in]
            for labels, weight in zip(partition_ops(order_in, order_out), W, strict=True):
                term = apply_partition_op(x, labels, order_in, order_out, n=n, reduction=self.reduction, weight=weight)
                outputs[order_out] = term if order_out not in outputs else outputs[order_out] + term
        for order_out in self.out_layout.orders:
            if order_out not in outputs:
                shape = (batch, *([n] * order_out), self.out_layout.channels(order_out))
                outputs[order_out] = sample.new_zeros(shape)
            bias = self.assembled_bias(order_out)
            if bias is not None:
                for labels, vector in zip(partition_ops(0, order_out), bias, strict=True):
                    outputs[order_out] = outputs[order_out] + apply_partition_op(
                        vector[None], labels, 0, order_out, n=n
                    )
        return outputs

    def parameter_count(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def flops(self, n: int) -> int:
        """Multiply-adds per sample of the channel mixing (the partition ops themselves are O(n^order · C))."""
        total = 0
        for order_in, order_out in self.order_pairs:
            for labels in partition_ops(order_in, order_out):
                kept = len(set(labels[:order_in]) & set(labels[order_in:]))
                total += 2 * n**kept * self.in_layout.channels(order_in) * self.out_layout.channels(order_out)
        return total
