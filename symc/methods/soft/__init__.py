"""``method soft`` (planned): an unconstrained network pulled towards equivariance by a regulariser.

The record exists so that the language, its docs and its errors know the method; the frontend refuses it
with a located error until it has a builder.
"""

from __future__ import annotations

from symc.errors import SymcError
from symc.methods.record import Accepts, MethodRecord, Param, Signature

KEYWORDS = Signature(
    {
        "base": Param("choice", "the exact method whose projector is the target", choices=("basis",), default="basis"),
        "weight": Param("number", "strength of the equivariance regulariser", minimum=0.0, default=0.1),
        "auto": Param("bool", "rescale the weight from the measured residuals during training"),
    },
    positional="base",
    doc="an unconstrained network pulled towards equivariance by a regulariser",
)


def _build(spec, backbone, solved):
    raise SymcError("method 'soft' is planned and has no builder yet", spec.method.loc, "use 'method basis' for now")


RECORD = MethodRecord(
    name="soft",
    method="soft",
    doc=KEYWORDS.doc,
    keywords=KEYWORDS,
    accepts=Accepts("the groups of its base method"),
    build=_build,
    planned=True,
)
