"""Text to lark tree: the parser (built once from ``grammar/sym.lark``) and plain-words syntax errors."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import lark
from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.grammar import Rule
from lark.lexer import PatternStr, TerminalDef

from symc.errors import SymcError
from symc.frontend.source import SourceText
from symc.ir.suggest import closest
from symc.paths import cache_dir

START_RULES = ("start", "rep_only", "group_only")

# How regex terminals read in "expected ..." hints; string terminals are quoted as written.
_TERMINAL_WORDS = {
    "NAME": "a name",
    "GROUP_NAME": "a group such as SO(3)",
    "INT": "an integer",
    "FLOAT": "a number",
    "STRING": "a quoted string",
    "IRREP": "an irrep such as 1o",
    "MULT": "a multiplicity such as 3x",
    "_SEP": "a new line or ';'",
    "$END": "the end of the text",
}
# Tokens that can start a value; when a hint would list them all it says "a value" instead.
_VALUE_STARTS = frozenset({"NAME", "INT", "FLOAT", "STRING", "IRREP", "MULT", "LPAR", "MINUS"})


class _NewlinesInsideBrackets:
    """Post-lexer: a line break inside parentheses or after a comma continues the statement."""

    always_accept = ("_SEP",)

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        depth = 0
        previous = None
        for token in stream:
            if token.type == "LPAR":
                depth += 1
            elif token.type == "RPAR":
                depth = max(0, depth - 1)
            elif token.type == "_SEP" and ";" not in token and (depth > 0 or previous == "COMMA"):
                continue
            previous = token.type
            yield token


_PARSER_OPTIONS = {
    "parser": "lalr",
    "lexer": "contextual",
    "start": list(START_RULES),
    "propagate_positions": True,
    "maybe_placeholders": False,
}
# Bump when the table encoding below changes, so old files stop matching.
_TABLES_FORMAT = "1"


@functools.cache
def parser() -> Lark:
    """The LALR(1) parser for ``.sym`` text, built once per process.

    Building the LALR tables costs ~100 ms, most of a warm ``symc.build``; they are kept as JSON in the
    user cache (keyed by the grammar text, lark's version and the options) and reloaded in ~10 ms.
    JSON, not lark's own pickle cache: nothing read back from disk can run code. A table file that does
    not load for any reason is rebuilt and rewritten atomically.
    """
    grammar = (files("symc.grammar") / "sym.lark").read_text(encoding="utf-8")
    key = hashlib.sha256(
        "|".join([_TABLES_FORMAT, lark.__version__, repr(sorted(_PARSER_OPTIONS.items())), grammar]).encode()
    ).hexdigest()
    path = cache_dir() / "grammar" / f"sym-{key[:32]}.json"
    loaded = _load_tables(path, key)
    if loaded is not None:
        return loaded
    built = Lark(grammar, postlex=_NewlinesInsideBrackets(), **_PARSER_OPTIONS)
    _store_tables(built, path, key)
    return built


def _load_tables(path: Path, key: str) -> Lark | None:
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        if stored.get("key") != key:
            return None
        return Lark._load_from_dict(_decode(stored["data"]), _decode(stored["memo"]), postlex=_NewlinesInsideBrackets())
    except FileNotFoundError:
        return None
    except Exception:
        # A damaged, truncated or foreign table file of any kind means: rebuild it.
        return None


def _store_tables(built: Lark, path: Path, key: str) -> None:
    data, memo = built.memo_serialize([TerminalDef, Rule])
    data = dict(data)
    data["options"] = {k: v for k, v in data["options"].items() if k != "postlex"}
    text = json.dumps({"key": key, "data": _encode(data), "memo": _encode(memo)})
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".sym-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError:
        return  # a read-only or full cache only costs the rebuild next time


def _encode(value: Any) -> Any:
    """JSON-safe form of lark's serialised tables: dicts with non-string keys become tagged pair lists."""
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: _encode(v) for k, v in value.items()}
        return {"__pairs__": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__pairs__"}:
            return {_decode(k): _decode(v) for k, v in value["__pairs__"]}
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def parse_tree(source: SourceText, start: str = "start") -> Tree:
    """Parse ``source`` from rule ``start``; any syntax error becomes one ``SymcError``."""
    try:
        return parser().parse(source.text, start=start)
    except UnexpectedInput as exc:
        raise _syntax_error(exc, source) from None


def _syntax_error(exc: UnexpectedInput, source: SourceText) -> SymcError:
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        expected = exc.accepts or exc.expected
        if token.type == "$END":
            return SymcError("unexpected end of the text", source.end_of_text(), _expected_hint(expected, None))
        loc = source.at(token.line, token.column) if token.type == "_SEP" else source.of_token(token)
        return SymcError(f"unexpected {_describe(token)}", loc, _expected_hint(expected, token))
    if isinstance(exc, UnexpectedCharacters):
        return SymcError(
            f"unexpected character {exc.char!r}",
            source.at(exc.line, exc.column),
            _expected_hint(exc.allowed or set(), None),
        )
    return SymcError("syntax error", source.at(exc.line, exc.column))


def _describe(token: Token) -> str:
    if token.type == "_SEP":
        return "';'" if token.strip().startswith(";") else "end of line"
    if token.type in ("NAME", "GROUP_NAME"):
        return f"name '{token}'"
    if token.type in ("INT", "FLOAT"):
        return f"number {token}"
    return f"'{token}'"


def _word(terminal: str) -> str:
    if terminal in _TERMINAL_WORDS:
        return _TERMINAL_WORDS[terminal]
    pattern = parser().get_terminal(terminal).pattern
    return f"'{pattern.value}'" if isinstance(pattern, PatternStr) else terminal.lower()


def _expected_hint(expected: set[str], token: Token | None) -> str | None:
    if not expected:
        return None
    names = set(expected)
    words = []
    if {"NAME", "IRREP"} <= names:
        names -= _VALUE_STARTS
        words.append("a value such as T(1), 2x0e, 3 or a name")
    words += sorted(_word(t) for t in names)
    hint = "expected " + (words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1])
    keywords = [w.strip("'") for w in words if w.startswith("'") and w[1:-1].isalpha()]
    if token is not None and token.type in ("NAME", "GROUP_NAME") and keywords:
        match = closest(str(token), keywords)
        if match is not None:
            hint = f"did you mean '{match}'? ({hint})"
    return hint
