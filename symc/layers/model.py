"""The base of every compiled spec model: its dtype and device are those it was moved to."""

from __future__ import annotations

import torch
from torch import nn


class SymcModule(nn.Module):
    """``dtype``/``device`` follow ``.to()`` through a scalar anchor buffer, so they are defined for models
    without parameters and do not depend on which child (a user backbone, say) happens to come first."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("_anchor", torch.zeros(()), persistent=False)

    @property
    def dtype(self) -> torch.dtype:
        return self._anchor.dtype

    @property
    def device(self) -> torch.device:
        return self._anchor.device
