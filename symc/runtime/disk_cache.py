"""Solved bases and Clebsch–Gordan tensors on disk (safetensors), with an in-memory LRU in front.

Location: ``$SYMC_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/symc``, else ``~/.cache/symc`` — never inside
the installed package. One file per key, ``<sha256>.safetensors``; the key is the sha256 of a canonical
string (solver version, group, canonical rep texts, exact flag). Each file carries the canonical string,
the certificate and a sha256 of the tensor bytes in its metadata. Writes go to a temporary file in the
same directory and are published with ``os.replace`` (atomic on POSIX), so readers never see half a file.
A file that cannot be parsed, whose checksum or key does not match, is deleted and reported as a miss:
cached data is never trusted blindly. Nothing read from the cache is evaluated: metadata is JSON of
numbers and strings.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from symc.paths import cache_dir

# Bump whenever a solver change could alter a stored basis, so old entries stop matching.
SOLVER_VERSION = "1"
_SUFFIX = ".safetensors"
_MEMORY_ENTRIES = 256


def canonical_problem(group: str, rep_in: str, rep_out: str, exact: bool) -> str:
    """The canonical text that identifies a basis problem (and the solver version that solved it)."""
    return f"symc-solver-v{SOLVER_VERSION}|group={group}|in={rep_in}|out={rep_out}|exact={int(exact)}"


def cache_key(group: str, rep_in: str, rep_out: str, exact: bool = False) -> str:
    """sha256 hex digest of :func:`canonical_problem`."""
    return hashlib.sha256(canonical_problem(group, rep_in, rep_out, exact).encode()).hexdigest()


@dataclass(frozen=True)
class CacheEntry:
    """A stored basis ``(k, dim_out, dim_in)`` and its JSON-able record (certificate, exact basis...)."""

    basis: torch.Tensor
    record: dict[str, Any]


@dataclass(frozen=True)
class CacheInfo:
    directory: Path
    entries: int
    cached: bool | None = None


_memory: OrderedDict[tuple[str, str], CacheEntry] = OrderedDict()


def _path(key: str) -> Path:
    return cache_dir() / f"{key}{_SUFFIX}"


def _checksum(tensor: torch.Tensor) -> str:
    return hashlib.sha256(tensor.contiguous().numpy().tobytes()).hexdigest()


def _remember(key: str, entry: CacheEntry) -> None:
    memory_key = (str(cache_dir()), key)
    _memory[memory_key] = entry
    _memory.move_to_end(memory_key)
    while len(_memory) > _MEMORY_ENTRIES:
        _memory.popitem(last=False)


def _read_file(path: Path, problem: str) -> CacheEntry | None:
    """Parse and verify one cache file; None if it is unusable in any way."""
    try:
        data = path.read_bytes()
        tensors = load_tensors(data)
        header_size = int.from_bytes(data[:8], "little")
        metadata = json.loads(data[8 : 8 + header_size])["__metadata__"]
        basis = tensors["basis"]
        if metadata["problem"] != problem or metadata["checksum"] != _checksum(basis):
            return None
        record = json.loads(metadata["record"])
        if not isinstance(record, dict) or basis.dtype != torch.float64 or basis.dim() != 3:
            return None
        return CacheEntry(basis, record)
    except (OSError, SafetensorError, ValueError, KeyError, TypeError, RuntimeError):
        return None


def load(key: str, problem: str) -> CacheEntry | None:
    """The entry for ``key`` (memory first, then disk), or None. A bad file is deleted."""
    entry = _memory.get((str(cache_dir()), key))
    if entry is not None:
        _memory.move_to_end((str(cache_dir()), key))
        return entry
    path = _path(key)
    if not path.exists():
        return None
    entry = _read_file(path, problem)
    if entry is None:
        path.unlink(missing_ok=True)
        return None
    _remember(key, entry)
    return entry


def store(key: str, problem: str, basis: torch.Tensor, record: dict[str, Any]) -> None:
    """Write an entry atomically and remember it. Disk failures leave only the in-memory copy."""
    basis = basis.detach().to(torch.float64).contiguous()
    entry = CacheEntry(basis, record)
    _remember(key, entry)
    metadata = {"problem": problem, "checksum": _checksum(basis), "record": json.dumps(record)}
    payload = save_tensors({"basis": basis}, metadata=metadata)
    directory = cache_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=_SUFFIX)
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(payload)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, _path(key))
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError:
        return


def cache_info(key: str | None = None) -> CacheInfo:
    """Directory, number of stored entries, and (given a key) whether that key is on disk."""
    directory = cache_dir()
    entries = len(list(directory.glob(f"[0-9a-f]*{_SUFFIX}"))) if directory.is_dir() else 0
    cached = None if key is None else _path(key).exists()
    return CacheInfo(directory, entries, cached)


def clear_cache() -> int:
    """Delete every entry (memory and disk); returns the number of files removed."""
    _memory.clear()
    directory = cache_dir()
    if not directory.is_dir():
        return 0
    removed = 0
    for path in directory.glob(f"*{_SUFFIX}"):
        path.unlink(missing_ok=True)
        removed += 1
    return removed
