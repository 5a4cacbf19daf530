"""``SymcModule``: the one base class of every model ``symc.build`` returns, whatever its method.

The contract every method's model keeps:

- ``forward({name: tensor}) -> {name: tensor}`` with the field shapes of ``symc info --json`` and a leading
  batch axis (global ``(batch, dim)``, per point ``(batch, n, dim)``, per pair ``(batch, n, n, dim)``);
- ``spec``: the ``ModelSpec`` it was built from;
- ``summary(n=None) -> ModelSummary``: per layer, parameters and FLOPs per sample at set size ``n``;
- ``describe() -> str | None``: a method-specific report for ``symc info`` (routes, frames, grids), or None;
- ``dtype``/``device``: those it was moved to with ``.to()``;
- ``contract``: the ``FieldContract`` its forward reads inputs through (``read_inputs``), and
  ``allow_nonfinite`` (default False): whether NaN/Inf inputs pass through instead of raising.
"""

from __future__ import annotations

import torch
from torch import nn

from symc.ir import ModelSpec
from symc.layers.contract import FieldContract, FieldValues

DTYPES = {"float32": torch.float32, "float64": torch.float64}
DEFAULT_DTYPE = "float32"


def spec_dtype(spec: ModelSpec) -> torch.dtype:
    """The torch dtype a spec asks for with its ``dtype`` knob (float32 when it says nothing)."""
    return DTYPES[spec.architecture.dtype or DEFAULT_DTYPE]


class SymcModule(nn.Module):
    """``dtype``/``device`` follow ``.to()`` through a scalar anchor buffer, so they are defined for models
    without parameters and do not depend on which child (a user backbone, say) happens to come first."""

    contract: FieldContract
    allow_nonfinite: bool = False

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("_anchor", torch.zeros(()), persistent=False)

    def read_inputs(self, inputs: object) -> FieldValues:
        """``inputs`` checked against the model's field contract, in its dtype (``symc.layers.contract``)."""
        return self.contract.read(inputs, self.dtype, self.device, allow_nonfinite=self.allow_nonfinite)

    @property
    def dtype(self) -> torch.dtype:
        return self._anchor.dtype

    @property
    def device(self) -> torch.device:
        return self._anchor.device

    def describe(self) -> str | None:
        """A method-specific report for ``symc info``; None when the summary says everything."""
        return None
