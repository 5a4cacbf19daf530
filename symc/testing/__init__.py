"""Property tests of equivariance for symc models (and any dict-in, dict-out module).

``assert_equivariant(model, spec)`` checks every group factor separately and the whole product;
``group_elements`` and ``field_inputs`` are hypothesis strategies for writing your own properties.
"""

from symc.testing.equivariance import (
    EquivarianceError,
    EquivarianceReport,
    FactorResult,
    assert_equivariant,
    equivariance_error,
)
from symc.testing.strategies import (
    concrete_group,
    concrete_group_spec,
    field_inputs,
    group_elements,
    random_inputs,
)

__all__ = [
    "EquivarianceError",
    "EquivarianceReport",
    "FactorResult",
    "assert_equivariant",
    "concrete_group",
    "concrete_group_spec",
    "equivariance_error",
    "field_inputs",
    "group_elements",
    "random_inputs",
]
