"""Text to lark tree: the parser (built once from ``grammar/sym.lark``) and plain-words syntax errors."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
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
        context = None if token.type == "_SEP" else _context_hint(token, expected, source)
        return SymcError(f"unexpected {_describe(token)}", loc, context or _expected_hint(expected, token))
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


# Text around an unexpected token, for suggestions the tokens alone cannot give.
_WORD_BEFORE = re.compile(r"(?<![\w+])([A-Za-z_]\w*\+?)\s*$")
_CALL_BEFORE = re.compile(r"(?<![\w+])([A-Za-z_]\w*)\s*\(([^()]*)\)\s*$")
_ARGS_AFTER = re.compile(r"^\s*\(([^()]*)\)")
_WORD_AFTER = re.compile(r"^\s*([A-Za-z_][\w-]*)")
_DECLARED = re.compile(r"([A-Za-z_]\w*)\s*:")
_PRODUCT_SIGNS = ("*", "⊗", "times", "X")
_LEADING_WORD = re.compile(r"^\s*([A-Za-z_]\w*)\s*$")


def _statement_keywords() -> list[str]:
    """``model`` and the words that start a statement (``group``, ``input``, ...), read from the grammar."""
    rules = [rule for rule in parser().rules if rule.origin.name == "stmt"]
    words = [parser().get_terminal(rule.expansion[0].name).pattern.value for rule in rules]
    return list(dict.fromkeys(["model", *words]))


def _glued_keyword(before: str) -> str | None:
    """``inputs x: 1o`` lexes as ``input`` ``s``: the error comes at ``x``; name the keyword meant."""
    lead = _LEADING_WORD.match(before)
    if lead is None:
        return None
    word = lead.group(1)
    keywords = _statement_keywords()
    prefixes = [k for k in keywords if word.startswith(k) and word != k]
    if word in keywords or not prefixes:
        return None
    keyword = max(prefixes, key=len)
    rest = word[len(keyword) :]
    return f"did you mean '{keyword}'? ('{word}' reads as '{keyword}' followed by the name '{rest}')"


def _context_hint(token: Token, expected: set[str], source: SourceText) -> str | None:
    """A did-you-mean read from the text around ``token``: ``SO + (1,3)``, ``SO+3``, ``tensor-product``."""
    line = source.line_text(token.line)
    before, after = line[: token.column - 1], line[token.column - 1 + len(token) :]
    glued = _glued_keyword(before)
    if glued is not None:
        return glued
    if any(_word(t) == "'x'" for t in expected):  # inside a group expression
        return _group_context_hint(token, before, after)
    if token.type == "MINUS":
        return _hyphen_hint(before, after, expected, source)
    return None


def _group_context_hint(token: Token, before: str, after: str) -> str | None:
    from symc.frontend.groups import suggest_group

    if str(token) in _PRODUCT_SIGNS:
        return "did you mean 'x'? (a product of groups is written G x H)"
    spelling = None
    if token.type == "PLUS":  # SO(1,3)+ and SO + (1,3): the '+' of SO+ away from its name
        call, word, args = _CALL_BEFORE.search(before), _WORD_BEFORE.search(before), _ARGS_AFTER.match(after)
        if call is not None:
            spelling = suggest_group(call.group(1) + "+", _sizes(call.group(2)), strict=True)
        elif word is not None and not word.group(1).endswith("+"):
            spelling = suggest_group(word.group(1) + "+", _sizes(args.group(1)) if args else None, strict=True)
    elif token.type == "INT":  # SO+3, SE 3: a size without its parentheses
        word = _WORD_BEFORE.search(before)
        if word is not None:
            spelling = suggest_group(word.group(1) + str(token), strict=True)
    return None if spelling is None else f"did you mean {spelling}?"


def _sizes(text: str) -> tuple[int | str, ...]:
    parts = [part.strip() for part in text.split(",") if part.strip()]
    return tuple(int(part) if part.isdigit() else part for part in parts)


def _hyphen_hint(before: str, after: str, expected: set[str], source: SourceText) -> str | None:
    """``tensor-product`` → ``tensor_product``: names are joined by '_', which '-' reads as a minus."""
    first, rest = _WORD_BEFORE.search(before), _WORD_AFTER.match(after)
    if first is None or rest is None or first.group(1).endswith("+"):
        return None
    joined = f"{first.group(1)}_{rest.group(1)}".replace("-", "_")
    declaring = "COLON" in expected  # a field's own name: nothing to compare it with
    match = None if declaring else closest(joined, [*_vocabulary(), *_DECLARED.findall(source.text)])
    return f"did you mean '{match or joined}'? Names are joined with '_' ('-' is a minus sign)"


def _vocabulary() -> list[str]:
    """Every word of the language a value or call may name: methods, localities, backbones, keywords, choices."""
    from symc.frontend.reps import NAMED_REPS
    from symc.frontend.tables import BACKBONES, INDEXING_ORDERS, KNOB_CHOICES, LOCALITIES
    from symc.methods.registry import method_keywords

    methods = method_keywords()
    words = [*methods, *LOCALITIES, *BACKBONES, *INDEXING_ORDERS, *NAMED_REPS, *KNOB_CHOICES]
    words += [choice for choices in KNOB_CHOICES.values() for choice in choices]
    for signature in (*methods.values(), *LOCALITIES.values(), *BACKBONES.values()):
        words += [*signature.params, *(c for param in signature.params.values() for c in param.choices)]
    return list(dict.fromkeys(words))
