"""The ``.sym`` frontend: text → lark tree → checked, frozen IR.

Specs are data: nothing in them is executed, imported or evaluated. Every problem is reported as one
``SymcError`` with file, line, column, the offending text and a hint.
"""

from symc.frontend.api import load, parse, parse_group, parse_program, parse_rep

__all__ = ["load", "parse", "parse_group", "parse_program", "parse_rep"]
