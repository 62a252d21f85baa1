"""Where the judge keeps what it can recompute: graph corpora and graded results."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir(kind: str) -> Path:
    """``$JUDGE_CACHE_DIR/<kind>``, else ``$XDG_CACHE_HOME/judge/<kind>``, else
    ``~/.cache/judge/<kind>``.  Created on first use."""
    root = os.environ.get("JUDGE_CACHE_DIR")
    if root:
        base = Path(root)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = (Path(xdg) if xdg else Path.home() / ".cache") / "judge"
    folder = base / kind
    folder.mkdir(parents=True, exist_ok=True)
    return folder
