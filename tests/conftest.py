"""Test-session setup shared by every test module.

- The solver cache goes to a fresh temporary directory, so tests never read or write the user's cache
  (and always exercise the solvers rather than a stale cache).
- Hypothesis runs without deadlines (first calls solve bases and are slow) and with few examples, so
  the whole suite stays within minutes on two cores; the ``ci`` profile is also derandomized.
- torch runs single-threaded: the tests' tensors are small, so threads only add contention
  (measured about 3x faster on a loaded 2-core machine).
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest
import torch
from hypothesis import settings

torch.set_num_threads(1)

settings.register_profile("dev", deadline=None, max_examples=20)
settings.register_profile("ci", deadline=None, max_examples=20, derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("SYMC_HYPOTHESIS_PROFILE", "dev"))


_previous_cache_dir: list[str | None] = []


def pytest_configure(config: pytest.Config) -> None:
    """Point ``SYMC_CACHE_DIR`` at a fresh directory before collection, so even import-time solves are isolated."""
    _previous_cache_dir.append(os.environ.get("SYMC_CACHE_DIR"))
    os.environ["SYMC_CACHE_DIR"] = tempfile.mkdtemp(prefix="symc-test-cache-")


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(os.environ["SYMC_CACHE_DIR"], ignore_errors=True)
    previous = _previous_cache_dir.pop()
    if previous is None:
        os.environ.pop("SYMC_CACHE_DIR", None)
    else:
        os.environ["SYMC_CACHE_DIR"] = previous
