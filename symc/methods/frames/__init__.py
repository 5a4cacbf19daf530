"""``method frames``: frame averaging around an unconstrained backbone, including piecewise groups."""
