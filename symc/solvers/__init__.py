"""Solvers: pure functions from IR/reps to numbers (equivariant bases, their certificates, the cache).

Never imports the frontend or the backend.
"""

from symc.runtime.disk_cache import cache_dir, cache_info, cache_key, clear_cache
from symc.solvers.equivariant import (
    build_constraints,
    dense_constraint_nullspace,
    equivariant_basis,
    solve_equivariant_basis,
)
from symc.solvers.partitions import bell_number, partition_basis, partition_count, set_partitions
from symc.solvers.result import Certificate, SolvedBasis

__all__ = [
    "Certificate",
    "SolvedBasis",
    "bell_number",
    "build_constraints",
    "cache_dir",
    "cache_info",
    "cache_key",
    "clear_cache",
    "dense_constraint_nullspace",
    "equivariant_basis",
    "partition_basis",
    "partition_count",
    "set_partitions",
    "solve_equivariant_basis",
]
