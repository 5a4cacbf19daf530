"""``build_frames_model``: a frames spec to a ``FrameAveragedModel`` (a ``PiecewiseFrameModel`` if piecewise)."""

from __future__ import annotations

from torch import nn

from symc.errors import SymcError
from symc.ir import CallValue, ModelSpec
from symc.layers.packing import FeaturePacker
from symc.methods.frames.model import (
    FrameAveragedModel,
    FramePlan,
    builtin_backbone,
    geometric_factor,
    minimum_points,
    position_field,
)
from symc.methods.frames.piecewise import PiecewiseFrameModel, build_piecewise_model


def build_frames_model(spec: ModelSpec, backbone: nn.Module | None = None) -> FrameAveragedModel | PiecewiseFrameModel:
    """Compile a ``method frames`` spec (see the module docstring); ``backbone`` is a user module for
    ``frames(backbone = custom)`` (or any frames spec): it takes and returns dicts of canonical field tensors."""
    factor = geometric_factor(spec)
    packer = FeaturePacker(spec.inputs, spec.outputs, factor, spec.group.permutation_factor)
    call = spec.method.get("backbone", "mlp")
    name = call.name if isinstance(call, CallValue) else str(call)
    if factor is not None and factor.piecewise:
        return build_piecewise_model(spec, packer, backbone)
    position = position_field(spec, factor)
    builtin = backbone is None
    if builtin:
        if name == "custom":
            raise SymcError(
                "frames(backbone = custom) needs the module: symc.build(spec, backbone=module)",
                location=spec.method.loc,
            )
        backbone = builtin_backbone(spec, packer, name, call)
    sort_points = spec.group.permutation_factor is not None and (not builtin or name == "mlp")
    plan = FramePlan(factor, position, minimum_points(factor), sort_points)
    return FrameAveragedModel(spec, plan, packer, backbone, builtin)
