"""Execution routes of a ``TensorProductDescriptor``: ``ROUTES[name](descriptor)`` builds one.

``cg-dense`` and ``cg-blocks`` (``cg.py``) execute ``cg`` descriptors; ``dense`` (``gaunt_dense.py``),
``grid`` (``grid.py``) and ``fft`` (``fft.py``) execute ``gaunt`` descriptors. Every route of a descriptor
computes the same numbers; ``symc.methods.tensor_product.planner.plan`` picks one.
"""

from __future__ import annotations

from symc.errors import SymcError
from symc.methods.tensor_product.descriptor import TensorProductDescriptor
from symc.methods.tensor_product.routes.base import Route
from symc.methods.tensor_product.routes.cg import CGBlocksRoute, CGDenseRoute
from symc.methods.tensor_product.routes.fft import FourierRoute
from symc.methods.tensor_product.routes.gaunt_dense import GauntDenseRoute
from symc.methods.tensor_product.routes.grid import GridRoute

ROUTES: dict[str, type[Route]] = {
    route.name: route for route in (CGDenseRoute, CGBlocksRoute, GauntDenseRoute, GridRoute, FourierRoute)
}
ROUTES_OF_IMPL = {"cg": ("cg-dense", "cg-blocks"), "gaunt": ("dense", "grid", "fft")}


def build_route(descriptor: TensorProductDescriptor, name: str) -> Route:
    """The route ``name`` executing ``descriptor``; one ``SymcError`` when it cannot."""
    if name not in ROUTES_OF_IMPL[descriptor.impl]:
        raise SymcError(
            f"route '{name}' does not execute {descriptor.impl} descriptors",
            hint=f"use one of {', '.join(ROUTES_OF_IMPL[descriptor.impl])}",
        )
    if name == "cg-dense" and descriptor.external_weights:
        raise SymcError("route 'cg-dense' folds paths together: per-sample weights need 'cg-blocks'")
    return ROUTES[name](descriptor)


__all__ = ["ROUTES", "ROUTES_OF_IMPL", "Route", "build_route"]
