"""Where the files shipped inside the package are: the templates folder (wording, labels)."""

from __future__ import annotations

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
