"""Time EMLP's ``equivariant_basis`` on one basis problem; run inside the environment that has ``emlp``.

Usage: ``python emlp_peer.py GROUP REP_IN REP_OUT REPEATS`` with symc's names (``SO(3)``, ``SO+(1,3)``,
``S(8)``, ``GL+(3)``, ``O(5)``; reps ``T(k)`` / ``T(k,l)``). Prints one JSON object:
``{"dim": k, "seconds": median, "all_seconds": [...]}`` or ``{"error": "..."}``.

EMLP caches solutions per canonical rep in ``Rep.solcache``; it is cleared before every repeat so each
repeat solves from scratch (jax's compilation cache stays warm after the first repeat, hence the median).
Repeats stop early once REPEAT_BUDGET_S seconds have been spent, so slow cases are timed once.
EMLP has no ``GL+(n)``: its ``GL(n)`` is given by Lie-algebra generators only, so its constraints are
exactly those of the identity component GL+(n). symc's Lorentz group SO+(1,3) is EMLP's ``SO13p()``.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import time

REPEAT_BUDGET_S = 20.0


def emlp_group(name: str):
    """EMLP's group object for a symc group name (a fixed table, nothing is evaluated)."""
    import emlp.groups as groups

    if name == "SO+(1,3)":
        return groups.SO13p()
    match = re.fullmatch(r"(SO|O|S|GL\+|SL|Sp)\((\d+)\)", name)
    if match is None:
        raise ValueError(f"no EMLP counterpart for group {name!r}")
    family, size = match.group(1), int(match.group(2))
    if family == "Sp":
        return groups.Sp(size // 2)
    constructor = {"SO": groups.SO, "O": groups.O, "S": groups.S, "GL+": groups.GL, "SL": groups.SL}[family]
    return constructor(size)


def emlp_tensor_rep(text: str):
    """EMLP's ``T(k, l)`` for symc's ``T(k)`` / ``T(k,l)``."""
    from emlp.reps import T

    match = re.fullmatch(r"T\((\d+)(?:,(\d+))?\)", text.replace(" ", ""))
    if match is None:
        raise ValueError(f"only T(k,l) reps are mapped to EMLP, not {text!r}")
    return T(int(match.group(1)), int(match.group(2) or 0))


def time_basis(group_name: str, rep_in: str, rep_out: str, repeats: int) -> dict:
    import numpy as np
    from emlp.reps.representation import Rep

    group = emlp_group(group_name)
    maps = (emlp_tensor_rep(rep_in) >> emlp_tensor_rep(rep_out))(group)
    timings, dim = [], None
    for _ in range(repeats):
        if sum(timings) > REPEAT_BUDGET_S:
            break
        Rep.solcache.clear()
        start = time.perf_counter()
        basis = np.asarray(maps.equivariant_basis())
        timings.append(time.perf_counter() - start)
        dim = basis.shape[1]
    return {"dim": dim, "seconds": statistics.median(timings), "all_seconds": timings}


def main(argv: list[str]) -> None:
    group_name, rep_in, rep_out, repeats = argv[1], argv[2], argv[3], int(argv[4])
    try:
        result = time_basis(group_name, rep_in, rep_out, repeats)
    except Exception as exc:  # any failure of the peer is reported, not raised
        result = {"error": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv)
