"""The solvers' disk cache: the same module as ``symc.so3.disk_cache``.

The cache sits in the lowest numeric layer so that ``symc.so3`` (Clebsch–Gordan tensors) can use it without
importing the solvers; ``symc.solvers.cache`` stays the name the solvers, the CLI and the tests use.
"""

import sys

from symc.so3 import disk_cache as _disk_cache

sys.modules[__name__] = _disk_cache
