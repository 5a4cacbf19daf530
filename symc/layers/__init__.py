"""Shared torch layers, one floor below the methods.

Field codecs, equivariant linear maps, nonlinearities, S(n) ops and the base class of every built model.
"""
