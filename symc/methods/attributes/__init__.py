"""``method attributes``: weight sharing over invariant pair attributes (PONITA-style)."""
