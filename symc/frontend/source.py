"""Source text and the locations that diagnostics point at (1-based lines and columns)."""

from __future__ import annotations

from lark import Token, Tree

from symc.errors import SourceLocation


class SourceText:
    """A spec's text split into lines, turning lark tokens and tree nodes into ``SourceLocation``s."""

    def __init__(self, text: str, filename: str = "<string>") -> None:
        self.text = text
        self.filename = filename
        self.lines = text.splitlines() or [""]

    def line_text(self, line: int) -> str:
        return self.lines[line - 1] if 1 <= line <= len(self.lines) else ""

    def at(self, line: int, column: int, length: int = 1) -> SourceLocation:
        return SourceLocation(self.filename, line, column, self.line_text(line), max(1, length))

    def of_token(self, token: Token) -> SourceLocation:
        return self.at(token.line, token.column, self._span(token.line, token.column, token.end_line, token.end_column))

    def of(self, node: Tree | Token) -> SourceLocation:
        """Location of a token or of the whole text a tree node was parsed from."""
        if isinstance(node, Token):
            return self.of_token(node)
        meta = node.meta
        return self.at(meta.line, meta.column, self._span(meta.line, meta.column, meta.end_line, meta.end_column))

    def snippet(self, node: Tree | Token) -> str:
        """The text a token or node was parsed from (first line only), for messages."""
        loc = self.of(node)
        return loc.line_text[loc.column - 1 : loc.column - 1 + loc.length].strip()

    def end_of_text(self) -> SourceLocation:
        last = len(self.lines)
        return self.at(last, len(self.line_text(last)) + 1)

    def _span(self, line: int, column: int, end_line: int | None, end_column: int | None) -> int:
        # A span running over several lines is underlined to the end of its first line.
        if end_line == line and end_column is not None:
            return end_column - column
        return len(self.line_text(line)) - column + 1
