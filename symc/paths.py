"""Where symc keeps its user cache: solved bases and the parser's tables. Never inside the installed package."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """``$SYMC_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/symc``, else ``~/.cache/symc`` (not created here)."""
    explicit = os.environ.get("SYMC_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "symc"
