"""``build_basis_model``: a ``method basis`` spec to a ``BasisModel`` (stacked equivariant linear layers).

The spec was judged by the frontend against ``symc.methods.basis.rules``; nothing here refuses a spec.
"""

from __future__ import annotations

from torch import Tensor, nn

from symc.ir import GroupFactor, ModelSpec
from symc.layers.bases import BasisProvider
from symc.layers.fields import FieldCodec
from symc.layers.hidden import DEFAULT_LAYERS, hidden_layout
from symc.layers.model import SymcModule
from symc.layers.network import BasisNetwork
from symc.layers.nonlinear import activation
from symc.layers.summary import ModelSummary, layer_summary

SUMMARY_N = 10  # set size at which summary() estimates FLOPs when n is symbolic


class BasisModel(SymcModule):
    """A compiled spec. ``forward({name: tensor}) -> {name: tensor}`` with shapes from the field contract:

    global ``(batch, dim)``, per point ``(batch, n, dim)``, per pair ``(batch, n, n, dim)``; an unbatched
    sample (no batch axis) gives unbatched outputs. Inputs must already have the model's dtype and device
    (move the model with ``.to()``).
    """

    def __init__(self, spec: ModelSpec, codec: FieldCodec, network: BasisNetwork, bases: BasisProvider) -> None:
        super().__init__()
        self.spec = spec
        self.codec = codec
        self.network = network
        self.bases = bases


    def forward(self, inputs: dict[str, Tensor]) -> dict[str, Tensor]:
        batched, n = self.codec.validate(inputs, self.dtype, self.device)
        values = inputs if batched else {name: x.unsqueeze(0) for name, x in inputs.items()}
        features, centroid = self.codec.pack(values)
        outputs = self.codec.unpack(self.network(features, n), centroid)
        return outputs if batched else {name: y.squeeze(0) for name, y in outputs.items()}

    def linear_layers(self) -> list[tuple[str, nn.Module]]:
        """Every equivariant linear map in forward order, with a readable name."""
        found = []
        for i, block in enumerate(self.network.blocks):
            found.append((f"block {i} linear", block.linear))
            if block.bilinear is not None:
                found.append((f"block {i} bilinear", block.bilinear.mix))
        found.append(("readout", self.network.readout))
        return found

    def summary(self, n: int | None = None) -> ModelSummary:
        """Per layer: blocks, basis dimensions and sources, parameters, FLOPs per sample at set size ``n``.

        ``n`` defaults to the group's fixed size, or 10 when it is symbolic; it is None without S(n).
        """
        if self.codec.permutation is None:
            at = None
        else:
            at = n if n is not None else (self.codec.fixed_n or SUMMARY_N)
        layers = tuple(layer_summary(name, layer, at or 1) for name, layer in self.linear_layers())
        return ModelSummary(self.spec.name, str(self.spec.group), at, layers)


def build_basis_model(spec: ModelSpec, backbone: nn.Module | None = None) -> BasisModel:
    """Compile a ``method basis`` spec into a ``BasisModel`` (stacked equivariant linear layers)."""
    geometric, permutation = _factors(spec)
    codec = FieldCodec(spec.inputs, spec.outputs, geometric, permutation)
    orders = [f.order for f in spec.inputs + spec.outputs]
    arch = spec.architecture
    bases = BasisProvider(geometric)
    hidden = hidden_layout(arch.hidden, geometric, max(orders))
    readout = arch.readout or "mean"
    layers = DEFAULT_LAYERS if arch.layers is None else arch.layers
    network = BasisNetwork(
        codec.in_layout, hidden, codec.out_layout, layers, bases, activation(arch.nonlinearity), readout=readout
    )
    model = BasisModel(spec, codec, network, bases)
    return model


def _factors(spec: ModelSpec) -> tuple[GroupFactor | None, GroupFactor | None]:
    """(the geometric factor or None, the S(n) factor or None): ``rules.judge`` admits at most one of each."""
    geometric = spec.group.geometric_factors
    return (geometric[0] if geometric else None), spec.group.permutation_factor
