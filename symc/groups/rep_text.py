"""A small recursive-descent reader for representation text, producing ``symc.ir`` nodes.

Grammar (whitespace between tokens is ignored)::

    sum      := product ('+' product)*
    product  := multiple (('*' | '⊗') multiple)*
    multiple := INT 'x'? atom | atom            # "3T(1)", "3xT(1)", "2x0e"
    atom     := 'T' '(' INT (',' INT)? ')' | INT ('e' | 'o')      # irrep "1o"
              | 'point' | 'orientation' | 'frame' | 'dual' '(' sum ')' | '(' sum ')'

The lark frontend owns the spec language; this reader serves ``symc.rep("...")`` from Python.
"""

from __future__ import annotations

import difflib
import re

from symc.errors import SymcError
from symc.ir import (
    DualRep,
    Irrep,
    MultipleRep,
    Orientation,
    Point,
    ProductRep,
    RepExpr,
    RotationFrame,
    SumRep,
    TensorRep,
)

_KEYWORDS: dict[str, RepExpr] = {"point": Point(), "orientation": Orientation(), "frame": RotationFrame()}
_WORD = re.compile(r"[A-Za-z_]\w*")
_INT = re.compile(r"\d+")


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def error(self, message: str, hint: str | None = None) -> SymcError:
        caret = " " * self.pos + "^"
        return SymcError(f"{message} at column {self.pos + 1}", text=f"{self.text}\n    {caret}", hint=hint)

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self) -> str:
        self.skip()
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def accept(self, token: str) -> bool:
        if self.peek() and self.text.startswith(token, self.pos):
            self.pos += len(token)
            return True
        return False

    def expect(self, token: str) -> None:
        if not self.accept(token):
            found = self.peek() or "end of text"
            raise self.error(f"expected {token!r}, found {found!r}")

    def integer(self) -> int:
        self.skip()
        match = _INT.match(self.text, self.pos)
        if match is None:
            raise self.error("expected an integer")
        self.pos = match.end()
        return int(match.group(0))

    def read_sum(self) -> RepExpr:
        terms = [self.read_product()]
        while self.accept("+"):
            terms.append(self.read_product())
        return terms[0] if len(terms) == 1 else SumRep(tuple(terms))

    def read_product(self) -> RepExpr:
        factors = [self.read_multiple()]
        while self.accept("*") or self.accept("⊗"):
            factors.append(self.read_multiple())
        return factors[0] if len(factors) == 1 else ProductRep(tuple(factors))

    def read_multiple(self) -> RepExpr:
        if not self.peek().isdigit():
            return self.read_atom()
        start = self.pos
        count = self.integer()
        if self.text[self.pos : self.pos + 1] in ("e", "o") and not _WORD.match(self.text, self.pos + 1):
            parity = 1 if self.text[self.pos] == "e" else -1
            self.pos += 1
            return Irrep(count, parity)
        self.accept("x")
        if count < 1:
            self.pos = start
            raise self.error("a multiplicity must be at least 1")
        return MultipleRep(count, self.read_atom())

    def read_atom(self) -> RepExpr:
        char = self.peek()
        if char == "(":
            self.pos += 1
            inner = self.read_sum()
            self.expect(")")
            return inner
        if char.isdigit():
            count = self.integer()
            if self.text[self.pos : self.pos + 1] in ("e", "o"):
                self.pos += 1
                return Irrep(count, 1 if self.text[self.pos - 1] == "e" else -1)
            raise self.error("expected an irrep such as 1o", hint="irreps are written <degree><parity>, e.g. 2e")
        match = _WORD.match(self.text, self.pos)
        if match is None:
            raise self.error(f"unexpected {char or 'end of text'!r}", hint="write e.g. T(1), 2x0e + 1x1o, point")
        word = match.group(0)
        if word == "T":
            self.pos = match.end()
            self.expect("(")
            k = self.integer()
            l = self.integer() if self.accept(",") else 0
            self.expect(")")
            return TensorRep(k, l)
        if word == "dual":
            self.pos = match.end()
            self.expect("(")
            inner = self.read_sum()
            self.expect(")")
            return DualRep(inner)
        if word in _KEYWORDS:
            self.pos = match.end()
            return _KEYWORDS[word]
        close = difflib.get_close_matches(word, [*_KEYWORDS, "dual", "T"], n=1)
        raise self.error(f"unknown representation {word!r}", hint=f"did you mean {close[0]}?" if close else None)


def parse_rep_text(text: str) -> RepExpr:
    """Read ``"2x0e + 1x1o"``, ``"T(1,1)"``, ``"dual(T(1)) * T(1)"`` … into an ``ir.RepExpr``."""
    reader = _Reader(text)
    if not reader.peek():
        raise SymcError("empty representation", hint="write e.g. T(1) or 1x0e")
    expr = reader.read_sum()
    if reader.peek():
        raise reader.error(f"unexpected {reader.peek()!r}")
    return expr
