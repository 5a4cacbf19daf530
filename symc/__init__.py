"""symc: a declarative symmetry-specification compiler for equivariant neural networks."""
