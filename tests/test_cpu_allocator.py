"""``retain_freed_cpu_memory``: freed tensor memory is reused without page faults (glibc), and opt-outs hold.

Each case runs in a fresh interpreter: the thresholds are process-wide and set once.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc's malloc only"
)

# Allocate and free ~6 MiB of 700 KiB tensors per round, as a product's temporaries do, and count the
# minor page faults of the rounds after the first five (which map the memory once).
CHURN = """
import json, resource, torch
from symc.runtime.cpu_allocator import retain_freed_cpu_memory
applied = retain_freed_cpu_memory()
def churn():
    parts = [torch.ones(175_000) for _ in range(9)]
    return sum(float(p[0]) for p in parts)
for _ in range(5):  # the heap grows to its working size over the first rounds
    churn()
rounds = []
for _ in range(40):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    churn()
    rounds.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
faults = sorted(rounds)[len(rounds) // 2]  # the median round: one-off faults (lazy imports, page tables) aside
print(json.dumps({"applied": applied, "again": retain_freed_cpu_memory(), "faults": faults}))
"""


def _run(**env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_") and k != "GLIBC_TUNABLES"}
    clean.pop("SYMC_MALLOC_TUNING", None)
    done = subprocess.run(
        [sys.executable, "-c", CHURN], env={**clean, **env}, capture_output=True, text=True, check=True, timeout=120
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_freed_memory_is_reused_without_page_faults():
    result = _run()
    assert result["applied"] and result["again"]
    # 9 x 700 KiB returned to the OS each round would be ~1500 faults; kept in the heap, none.
    assert result["faults"] < 5


@pytest.mark.parametrize(
    "env",
    [
        {"SYMC_MALLOC_TUNING": "0"},
        {"MALLOC_TRIM_THRESHOLD_": "131072"},
        {"GLIBC_TUNABLES": "glibc.malloc.trim_threshold=131072"},
    ],
)
def test_the_users_choice_is_left_alone(env):
    assert _run(**env)["applied"] is False
