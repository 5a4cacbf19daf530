"""``method basis`` with ``locality ego(k)``: sub-graph (ego-net) networks over a given graph."""
