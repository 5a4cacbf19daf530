"""``method attributes``: weight sharing over invariant pair attributes (PONITA-style).

``RECORD`` is what the rest of symc knows of the method; the model and its measurements load on first use.
"""

from __future__ import annotations

from symc.ir import Irrep, Point, TensorRep
from symc.methods.attributes import rules
from symc.methods.record import Accepts, MethodRecord, Param, Signature

MAX_ORIENTATIONS = 4096  # the grid's N² orientation pairs per point: 16.8 M at the bound
KEYWORDS = Signature(
    {"orientations": Param("int", "size of the orientation grid on the sphere", minimum=1, maximum=MAX_ORIENTATIONS)},
    doc="weight sharing over invariant pair attributes",
)
SCALAR_VECTOR_POINT = frozenset({Irrep(0, 1), Irrep(1, -1), TensorRep(0), TensorRep(1), Point()})


def _build(spec, backbone, solved):
    from symc.methods.attributes.model import build_attributes_model

    return build_attributes_model(spec)


def _measure(model, spec, n):
    from symc.methods.attributes.measurements import measure

    return measure(model, spec, n)


def _exact(spec) -> bool:
    # A fixed orientation grid does not rotate with the input: equivariant only up to its quadrature error.
    return spec.method.get("orientations") is None


RECORD = MethodRecord(
    name="attributes",
    method="attributes",
    doc=KEYWORDS.doc,
    keywords=KEYWORDS,
    accepts=Accepts(
        "E(d) or SE(d) (x S(n)) with a per-point `point` input, producing scalars, vectors and points",
        families=frozenset({"E", "SE"}),
        max_geometric=1,
        needs_point_input=True,
        outputs=SCALAR_VECTOR_POINT,
        localities=frozenset({"complete", "radius", "knn", "graph"}),
        knob_choices=rules.KNOB_CHOICES,
    ),
    build=_build,
    judge=rules.judge,
    measure=_measure,
    exact=_exact,
    docs=("ATTRIBUTES.md",),
)
