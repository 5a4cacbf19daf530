"""The on-disk basis cache: location, hits, atomic files, corrupt files detected and recomputed."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from symc.runtime import disk_cache as cache
from symc.runtime.disk_cache import cache_dir, cache_info, cache_key, clear_cache
from symc.solvers import solve_equivariant_basis


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("SYMC_CACHE_DIR", str(directory))
    clear_cache()
    return directory


def _only_file(directory: Path) -> Path:
    (path,) = [p for p in directory.iterdir() if p.name == f"{_key()}.safetensors"]
    return path


def _key() -> str:
    return cache_key("O(3)", "(V * V)", "1", exact=False)


def test_directory_follows_environment(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("SYMC_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "symc"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_dir() == Path.home() / ".cache" / "symc"


def test_second_solve_is_a_hit_with_the_same_basis(private_cache: Path) -> None:
    first = solve_equivariant_basis("O(3)", "T(2)", "T(0)")
    assert not first.from_cache
    assert cache_info(_key()).cached
    second = solve_equivariant_basis("O(3)", "T(2)", "T(0)")
    assert second.from_cache
    assert torch.equal(first.basis, second.basis)
    assert second.certificate == first.certificate
    assert not [p for p in private_cache.iterdir() if p.name.startswith(".tmp-")]


def test_disk_entry_survives_a_cold_memory(private_cache: Path) -> None:
    first = solve_equivariant_basis("O(3)", "T(2)", "T(0)")
    cache._memory.clear()
    second = solve_equivariant_basis("O(3)", "T(2)", "T(0)")
    assert second.from_cache
    assert torch.equal(first.basis, second.basis)


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # truncated
        lambda data: data[:-8] + bytes(8),  # tensor bytes changed: checksum mismatch
        lambda data: b"not a safetensors file",
    ],
    ids=["truncated", "checksum", "garbage"],
)
def test_corrupt_file_is_deleted_and_recomputed(private_cache: Path, damage) -> None:
    first = solve_equivariant_basis("O(3)", "T(2)", "T(0)")
    path = _only_file(private_cache)
    path.write_bytes(damage(path.read_bytes()))
    cache._memory.clear()
    again = solve_equivariant_basis("O(3)", "T(2)", "T(0)")
    assert not again.from_cache
    assert torch.allclose(again.basis.abs(), first.basis.abs(), atol=1e-12)
    third = solve_equivariant_basis("O(3)", "T(2)", "T(0)")
    assert third.from_cache


def test_file_for_another_problem_is_not_trusted(private_cache: Path) -> None:
    solve_equivariant_basis("O(3)", "T(2)", "T(0)")
    solve_equivariant_basis("SO(3)", "T(3)", "T(0)")
    other = cache_key("SO(3)", "(V * V * V)", "1", exact=False)
    (private_cache / f"{other}.safetensors").replace(_only_file(private_cache))
    cache._memory.clear()
    assert cache.load(_key(), cache.canonical_problem("O(3)", "(V * V)", "1", False)) is None
    assert not cache_info(_key()).cached


def test_use_cache_false_writes_nothing(private_cache: Path) -> None:
    solved = solve_equivariant_basis("O(3)", "T(2)", "T(0)", use_cache=False)
    assert not solved.from_cache
    assert cache_info().entries == 0


def test_info_and_clear(private_cache: Path) -> None:
    solve_equivariant_basis("O(3)", "T(2)", "T(0)")
    info = cache_info(_key())
    assert info.directory == private_cache and info.entries == 1 and info.cached
    assert clear_cache() == 1
    assert cache_info().entries == 0
    assert not solve_equivariant_basis("O(3)", "T(2)", "T(0)").from_cache


def test_exact_bases_round_trip_through_the_cache() -> None:
    first = solve_equivariant_basis("SO(3)", "T(3)", "T(0)", exact=True)
    cache._memory.clear()
    second = solve_equivariant_basis("SO(3)", "T(3)", "T(0)", exact=True)
    assert second.from_cache
    assert second.exact_basis == first.exact_basis
