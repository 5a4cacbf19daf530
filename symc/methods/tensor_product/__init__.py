"""``method tensor_product``: SO(3)/O(3) message passing with Clebsch–Gordan / Gaunt tensor products.

``RECORD`` is what the rest of symc knows of the method; the model and ``symc.nn.TensorProduct`` load on first use.
"""

from __future__ import annotations

from symc.methods.record import Accepts, MethodRecord, Param, Signature
from symc.methods.tensor_product import rules

KEYWORDS = Signature(
    {
        "lmax": Param("int", "highest degree of the spherical harmonics", minimum=0, default=2),
        "impl": Param("choice", "tensor-product algorithm", choices=("gaunt", "cg", "auto"), default="auto"),
    },
    positional="lmax",
    doc="message passing with SO(3) tensor products",
)


def _build(spec, backbone, solved):
    from symc.methods.tensor_product.model import build_tensor_product_model

    return build_tensor_product_model(spec)


RECORD = MethodRecord(
    name="tensor_product",
    method="tensor_product",
    doc=KEYWORDS.doc,
    keywords=KEYWORDS,
    accepts=Accepts(
        "SO(3), O(3), SE(3) or E(3) (x S(n)) with fields written as irreps such as 0e + 1o + 2e",
        families=frozenset({"SO", "O", "SE", "E"}),
        dimension=3,
        max_geometric=1,
        irreps_fields=True,
        localities=frozenset({"complete", "global", "knn", "radius", "graph"}),
    ),
    build=_build,
    judge=rules.judge,
    docs=("SO3.md",),
)
