"""Integer literals from spec text, refused before Python turns a huge digit string into an int."""

from __future__ import annotations

from lark import Token

from symc.errors import SymcError
from symc.frontend.source import SourceText

# 10^18 is past every limit the language has; longer digit strings are refused unread.
_MAX_DIGITS = 18


def to_int(token: Token, source: SourceText) -> int:
    """``"3"`` → 3; ``"3x"``/``"3 x"`` (a multiplicity) → 3. Raises ``SymcError`` on absurd sizes."""
    digits = str(token).rstrip("x \t")
    if len(digits) > _MAX_DIGITS:
        raise SymcError(
            f"number {digits[:8]}... is absurdly large ({len(digits)} digits)",
            source.of_token(token),
            "sizes, multiplicities and counts must be far below 10^18",
        )
    return int(digits)
