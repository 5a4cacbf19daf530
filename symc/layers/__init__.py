"""Shared torch layers one floor below the methods: field codecs, equivariant linear maps, nonlinearities, S(n) ops, the model base class."""
