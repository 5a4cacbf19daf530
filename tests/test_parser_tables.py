"""The parser's LALR tables are cached as JSON in the user cache: same trees and errors, and a damaged file is
rebuilt rather than trusted."""

from __future__ import annotations

from pathlib import Path

import pytest

from symc.errors import SymcError
from symc.frontend import parse, syntax

SPECS = sorted(Path(__file__).resolve().parents[1].joinpath("specs").glob("*.sym"))
BAD = "model A {\n  group SO(3\n  input x: T(1)\n}\n"


@pytest.fixture
def fresh_tables(tmp_path, monkeypatch):
    monkeypatch.setenv("SYMC_CACHE_DIR", str(tmp_path))
    syntax.parser.cache_clear()
    yield tmp_path / "grammar"
    syntax.parser.cache_clear()


def _error(text: str) -> str:
    with pytest.raises(SymcError) as caught:
        parse(text)
    return caught.value.render()


def test_reloaded_tables_give_the_same_trees_and_errors(fresh_tables):
    built = syntax.parser()
    trees = [built.parse(p.read_text(), start="start") for p in SPECS]
    error = _error(BAD)
    (table_file,) = fresh_tables.glob("sym-*.json")
    syntax.parser.cache_clear()
    reloaded = syntax.parser()
    assert reloaded is not built
    assert [reloaded.parse(p.read_text(), start="start") for p in SPECS] == trees
    assert _error(BAD) == error
    assert table_file.exists()


@pytest.mark.parametrize("damage", ["", "{not json", '{"key": "someone else", "data": {}, "memo": {}}'])
def test_a_damaged_table_file_is_rebuilt_not_trusted(fresh_tables, damage):
    syntax.parser()
    (table_file,) = fresh_tables.glob("sym-*.json")
    table_file.write_text(damage)
    syntax.parser.cache_clear()
    tree = syntax.parser().parse(SPECS[0].read_text(), start="start")
    assert tree.data == "start"
    assert table_file.read_text() != damage


def test_an_unwritable_cache_only_costs_the_rebuild(tmp_path, monkeypatch):
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("")
    monkeypatch.setenv("SYMC_CACHE_DIR", str(blocked))
    syntax.parser.cache_clear()
    try:
        assert syntax.parser().parse(SPECS[0].read_text(), start="start").data == "start"
    finally:
        syntax.parser.cache_clear()
