"""Locality: the one neighbour structure every method takes (``Neighbourhood``, ``build_neighbourhood``), and the
graph algorithms under it (radius / kNN graphs with cell lists in ``neighbours``, ego-nets in ``egonets``)."""

from symc.locality.neighbourhood import EdgeListError, Neighbourhood, build_neighbourhood

__all__ = ["EdgeListError", "Neighbourhood", "build_neighbourhood"]
