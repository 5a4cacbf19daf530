"""The one error type users see, and the source locations it points at."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SourceLocation:
    """A 1-based position in a spec file, plus the line's text for the caret display."""

    file: str
    line: int
    column: int
    line_text: str = ""
    length: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def caret_display(self) -> str:
        """The offending line with a caret under the offending text."""
        if not self.line_text:
            return ""
        pad = " " * (self.column - 1)
        return f"    {self.line_text}\n    {pad}{'^' * max(1, self.length)}"


class SymcError(Exception):
    """Every user-facing failure: what went wrong, where, the offending text and a hint.

    ``location`` is ``None`` only for errors that do not come from spec text
    (e.g. ``symc.group("SE3")`` called from Python); the message then names the argument.
    """

    def __init__(
        self,
        message: str,
        location: SourceLocation | None = None,
        hint: str | None = None,
        text: str | None = None,
    ) -> None:
        self.message = message
        self.location = location
        self.hint = hint
        self.text = text
        super().__init__(self.render())

    def render(self) -> str:
        head = f"{self.location}: error: {self.message}" if self.location else f"error: {self.message}"
        parts = [head]
        if self.location and self.location.line_text:
            parts.append(self.location.caret_display())
        elif self.text:
            parts.append(f"    {self.text}")
        if self.hint:
            parts.append(f"hint: {self.hint}")
        return "\n".join(parts)


class EdgeListError(SymcError, ValueError):
    """An edge list (or dense per-pair ``edges`` field) that cannot be a graph: it names the field."""


@dataclass(frozen=True)
class SymcWarning:
    """A lint finding: the spec is valid but probably not what the user meant."""

    message: str
    location: SourceLocation | None = None
    hint: str | None = None

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        tail = f" (hint: {self.hint})" if self.hint else ""
        return f"{where}warning: {self.message}{tail}"
