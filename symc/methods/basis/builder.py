"""``build_model``: from a ``ModelSpec`` to a module taking and returning dicts of named field tensors.

``METHOD_BUILDERS`` is the one place where a method meets the module that builds it. Methods that parse
and lower but have no builder yet are refused with one ``SymcError`` pointing at the spec.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import torch
from torch import Tensor, nn

from symc.errors import SymcError
from symc.ir import GroupFactor, ModelSpec
from symc.layers.bases import BasisProvider
from symc.layers.fields import FieldCodec
from symc.layers.hidden import DEFAULT_LAYERS, hidden_layout
from symc.layers.model import SymcModule
from symc.layers.network import BasisNetwork
from symc.layers.nonlinear import activation
from symc.layers.permutation import REDUCTIONS
from symc.layers.summary import ModelSummary, layer_summary

PLANNED_METHODS = ("soft",)
SUPPORTED_LOCALITIES = ("complete", "global")
DTYPES = {"float32": torch.float32, "float64": torch.float64}
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
    _check_basis_supported(spec, backbone)
    geometric, permutation = _factors(spec)
    codec = FieldCodec(spec.inputs, spec.outputs, geometric, permutation)
    orders = [f.order for f in spec.inputs + spec.outputs]
    if max(orders) > 0 and max(f.order for f in spec.inputs) == 0:
        field = next(f for f in spec.outputs if f.order > 0)
        raise SymcError(
            f"output '{field.name}' is indexed by the point set, but every input is global, so n is unknown",
            location=field.loc,
            hint="add a per-point input",
        )
    arch = spec.architecture
    bases = BasisProvider(geometric)
    hidden = hidden_layout(arch.hidden, geometric, max(orders))
    readout = arch.readout or "mean"
    if readout not in REDUCTIONS:
        raise SymcError(f"unknown readout '{readout}' for method basis", location=spec.loc, hint="use mean or sum")
    layers = DEFAULT_LAYERS if arch.layers is None else arch.layers
    network = BasisNetwork(
        codec.in_layout, hidden, codec.out_layout, layers, bases, activation(arch.nonlinearity), readout=readout
    )
    model = BasisModel(spec, codec, network, bases)
    return model.to(_dtype(spec))


Builder = Callable[[ModelSpec, nn.Module | None], nn.Module]

# method -> (module, function). Each builder module is imported on first use, so building a `basis`
# model never pays for the frame, attribute, graph or tensor-product machinery. Fixed strings only:
# nothing a spec says is ever imported.
METHOD_BUILDERS: dict[str, tuple[str, str]] = {
    "basis": ("symc.methods.basis.builder", "build_basis_model"),
    "attributes": ("symc.methods.attributes.model", "build_attributes_model"),
    "frames": ("symc.methods.frames.model", "build_frames_model"),
    "tensor_product": ("symc.methods.tensor_product.model", "build_tensor_product_model"),
}

# Localities that change the whole architecture of ``method basis`` (sub-graph networks on a given graph).
BASIS_LOCALITY_BUILDERS: dict[str, tuple[str, str]] = {
    "ego": ("symc.methods.ego.model", "build_ego_model"),
}


def _builder(entry: tuple[str, str]) -> Builder:
    module, function = entry
    return getattr(importlib.import_module(module), function)


def build_model(spec: ModelSpec, backbone: nn.Module | None = None) -> nn.Module:
    """Compile ``spec`` with the builder of its method; unbuilt methods raise one located ``SymcError``."""
    if spec.method.name == "basis" and spec.locality.kind in BASIS_LOCALITY_BUILDERS:
        return _builder(BASIS_LOCALITY_BUILDERS[spec.locality.kind])(spec, backbone)
    entry = METHOD_BUILDERS.get(spec.method.name)
    if entry is None:
        status = "not supported yet (planned)" if spec.method.name in PLANNED_METHODS else "not supported"
        raise SymcError(
            f"method '{spec.method.name}' is {status}; supported: {', '.join(METHOD_BUILDERS)}",
            location=spec.method.loc,
            hint="use 'method basis' for now",
        )
    return _builder(entry)(spec, backbone)


def _check_basis_supported(spec: ModelSpec, backbone: nn.Module | None) -> None:
    if spec.locality.kind not in SUPPORTED_LOCALITIES:
        raise SymcError(
            f"locality '{spec.locality.kind}' is not supported yet (planned); "
            f"supported: {', '.join(SUPPORTED_LOCALITIES)}",
            location=spec.locality.loc,
            hint="use 'locality complete' for now",
        )
    if backbone is not None:
        raise SymcError("method 'basis' does not take a backbone", location=spec.method.loc)


def _factors(spec: ModelSpec) -> tuple[GroupFactor | None, GroupFactor | None]:
    """(the geometric factor or None, the S(n) factor or None); method basis handles at most one of each."""
    geometric = spec.group.geometric_factors
    permutations = [f for f in spec.group.factors if f.is_permutation]
    for factor in spec.group.factors:
        if factor.piecewise:
            raise SymcError(
                f"'{factor}' is not supported by method basis yet (planned)", location=factor.loc or spec.loc
            )
    if len(geometric) > 1 or len(permutations) > 1:
        raise SymcError(
            f"method basis supports one geometric factor and at most one S(n); got {spec.group}",
            location=spec.loc,
        )
    if not permutations:
        for field in spec.inputs + spec.outputs:
            if field.order > 0:
                raise SymcError(
                    f"field '{field.name}' is indexed by points but the group has no S(n) factor",
                    location=field.loc,
                    hint="add 'x S(n)' to the group",
                )
    return (geometric[0] if geometric else None), (permutations[0] if permutations else None)


def _dtype(spec: ModelSpec) -> torch.dtype:
    name = spec.architecture.dtype or "float32"
    if name not in DTYPES:
        raise SymcError(f"unknown dtype '{name}'", location=spec.loc, hint=f"use one of {', '.join(DTYPES)}")
    return DTYPES[name]
