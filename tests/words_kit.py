"""What the two-language tests share: the words a student reads in a plotly figure, counted as
tests/test_browser_i18n.py counts them.  Not a test module (the tests import it)."""

from __future__ import annotations

import re

WORD = re.compile(r"[A-Za-z][A-Za-z'\-]{2,}")  # an English word of three letters or more


def figure_texts(fig) -> list[str]:
    """Every text of a figure a student reads: titles (figure, axes, colour bar, subplots),
    legend names, hover text, annotations; not the data (x, y, z) nor the tick labels, which are
    tokens and numbers."""
    out = []

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k in ("text", "name", "hovertemplate", "hovertext", "title") and isinstance(v, str):
                    out.append(v)
                elif k not in ("x", "y", "z"):
                    walk(v)
        elif isinstance(node, list | tuple):
            for v in node:
                walk(v)

    walk(fig.to_plotly_json())
    return out
