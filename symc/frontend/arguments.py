"""Binding a written call (``knn(8)``, ``frames(backbone = gnn(hidden = 64))``) to its ``Signature``.

Each keyword's value is read according to the kind its ``Param`` declares, so the same expression
syntax yields ints, floats, choices, field references or nested backbone calls, and a wrong kind is
reported against the keyword that expected it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lark import Token, Tree

from symc.errors import SymcError
from symc.frontend.numbers import to_int
from symc.frontend.source import SourceText
from symc.frontend.tables import BACKBONES, Param, Signature
from symc.ir import CallValue, FieldSpec, Value, order_name
from symc.ir.suggest import did_you_mean

Node = Tree | Token

_KIND_WORDS = {
    "int": "an integer",
    "number": "a number",
    "bool": "true or false",
    "choice": "one of the names {choices}",
    "input": "the name of an input field",
    "backbone": "a backbone such as mlp or gnn(hidden = 64)",
}


@dataclass(frozen=True)
class WrittenCall:
    """A call as written: its name, positional arguments and keyword arguments, in source order."""

    name: Token
    positional: tuple[Node, ...]
    keywords: tuple[tuple[Token, Node], ...]
    node: Node


def written_call(node: Node, source: SourceText, what: str) -> WrittenCall:
    """Split a ``name`` or ``call`` tree; ``what`` ("a method", "a locality") words the error otherwise."""
    if isinstance(node, Tree) and node.data == "name":
        return WrittenCall(node.children[0], (), (), node)
    if not (isinstance(node, Tree) and node.data == "call"):
        raise SymcError(f"expected {what} name, got '{source.snippet(node)}'", source.of(node))
    name, *args = node.children
    positional: list[Node] = []
    keywords: list[tuple[Token, Node]] = []
    for arg in args:
        if isinstance(arg, Tree) and arg.data == "kwarg":
            keywords.append((arg.children[0], arg.children[1]))
        elif keywords:
            raise SymcError(
                f"positional argument after a keyword argument in {name}(...)",
                source.of(arg),
                "only the first argument may be given without its keyword",
            )
        else:
            positional.append(arg)
    return WrittenCall(name, tuple(positional), tuple(keywords), node)


class ArgumentBinder:
    """Reads arguments for one model; ``inputs`` resolves ``input``-kind references."""

    def __init__(self, source: SourceText, inputs: dict[str, FieldSpec]) -> None:
        self.source = source
        self.inputs = inputs

    def bind(self, call: WrittenCall, signature: Signature, what: str) -> tuple[tuple[str, Value], ...]:
        """Keyword arguments in the signature's order, defaults filled in; ``what`` names the call."""
        written: dict[str, tuple[Token, Node]] = {}
        if call.positional:
            if signature.positional is None or len(call.positional) > 1:
                raise SymcError(
                    f"{what} takes no positional argument"
                    if signature.positional is None
                    else f"{what} takes one positional argument ({signature.positional}), got {len(call.positional)}",
                    self.source.of(call.positional[-1]),
                    self._keywords_hint(signature, what),
                )
            written[signature.positional] = (call.name, call.positional[0])
        for key_token, value_node in call.keywords:
            key = str(key_token)
            if key not in signature.params:
                raise SymcError(
                    f"{what} has no keyword '{key}'",
                    self.source.of_token(key_token),
                    self._keywords_hint(signature, what, key),
                )
            if key in written:
                raise SymcError(f"'{key}' is given twice to {what}", self.source.of_token(key_token))
            written[key] = (key_token, value_node)
        bound: list[tuple[str, Value]] = []
        for key, param in signature.params.items():
            if key in written:
                bound.append((key, self._value(param, written[key][1], key, what)))
            elif param.required:
                raise SymcError(
                    f"{what} needs '{key}' ({param.doc})", self.source.of(call.node), f"write {call.name}({key} = ...)"
                )
            elif param.default is not None:
                default = CallValue(param.default) if param.kind == "backbone" else param.default
                bound.append((key, default))
        return tuple(bound)

    def _keywords_hint(self, signature: Signature, what: str, key: str | None = None) -> str:
        if not signature.params:
            return f"{what} takes no arguments"
        if key is not None:
            return did_you_mean(key, signature.params, "keywords")
        return "keywords: " + ", ".join(signature.params)

    def _value(self, param: Param, node: Node, key: str, what: str) -> Value:
        kind = node.data if isinstance(node, Tree) else node.type
        word = str(node.children[0]) if kind in ("name", "string") else None
        if kind == "string" and word is not None:
            word = word[1:-1]
        if param.kind in ("int", "number"):
            return self._number(param, node, key, what)
        if param.kind == "bool" and kind == "name" and word in ("true", "false"):
            return word == "true"
        if param.kind == "choice" and word is not None:
            if word not in param.choices:
                raise SymcError(
                    f"'{key}' of {what} must be one of {', '.join(param.choices)}; got '{word}'",
                    self.source.of(node),
                    did_you_mean(word, param.choices, "choices"),
                )
            return word
        if param.kind == "input" and word is not None:
            return self._input_reference(param, word, node, key, what)
        if param.kind == "backbone" and kind in ("name", "call"):
            call = written_call(node, self.source, "a backbone")
            name = str(call.name)
            if name not in BACKBONES:
                raise SymcError(
                    f"unknown backbone '{name}'",
                    self.source.of_token(call.name),
                    did_you_mean(name, BACKBONES, "backbones"),
                )
            kwargs = self.bind(call, BACKBONES[name], f"backbone {name}")
            return CallValue(name, kwargs, loc=self.source.of(node))
        raise self._kind_error(param, node, key, what)

    def _number(self, param: Param, node: Node, key: str, what: str) -> int | float:
        sign, inner = (-1, node.children[0]) if isinstance(node, Tree) and node.data == "negative" else (1, node)
        kind = inner.data if isinstance(inner, Tree) else None
        if kind == "int":
            value: int | float = sign * to_int(inner.children[0], self.source)
        elif kind == "float" and param.kind == "number":
            value = sign * float(inner.children[0])
        else:
            raise self._kind_error(param, node, key, what)
        if param.kind == "number":
            value = float(value)
            if not math.isfinite(value):
                raise SymcError(f"'{key}' of {what} is not a finite number", self.source.of(node))
        too_small = (param.minimum is not None and value < param.minimum) or (param.positive and value <= 0)
        if too_small:
            bound = "positive" if param.positive else f"at least {param.minimum:g}"
            raise SymcError(f"'{key}' of {what} must be {bound}, got {value:g}", self.source.of(node), param.doc)
        if param.maximum is not None and value > param.maximum:
            raise SymcError(
                f"'{key}' of {what} must be at most {param.maximum:g}, got {value:g}",
                self.source.of(node),
                f"{param.doc}; larger values would not fit in memory",
            )
        return value

    def _input_reference(self, param: Param, name: str, node: Node, key: str, what: str) -> str:
        loc = self.source.of(node)
        field = self.inputs.get(name)
        if field is None:
            order = order_name(param.input_order or 0)
            hint = (
                did_you_mean(name, self.inputs, "inputs")
                if self.inputs
                else f"declare it, e.g. `input {name}: T(0) per {order}`"
            )
            raise SymcError(f"'{key}' of {what} refers to '{name}', which is not an input", loc, hint)
        if param.input_order is not None and field.order != param.input_order:
            wanted, actual = order_name(param.input_order), order_name(field.order)
            raise SymcError(
                f"'{key}' of {what} needs a per-{wanted} input; '{name}' is {actual}-indexed",
                loc,
                f"declare it as `{name}: {field.rep} per {wanted}`",
            )
        return name

    def _kind_error(self, param: Param, node: Node, key: str, what: str) -> SymcError:
        expected = _KIND_WORDS[param.kind].format(choices=", ".join(param.choices))
        return SymcError(
            f"'{key}' of {what} expects {expected}, got '{self.source.snippet(node)}'", self.source.of(node), param.doc
        )
