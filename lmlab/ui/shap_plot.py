"""shap's text plot of an explanation, as safe HTML for a sandboxed iframe, its colours repaired.

Tool: the UI layer.  Tab: Explain.  Values from ``lmlab.explain.shap_values``.
"""

from __future__ import annotations

import re

import numpy as np

from lmlab.explain.shap_values import Explanation
from lmlab.ui.i18n import catalogue, lang_code, t

NUMPY_SCALAR = re.compile(r"np\.(?:float|int)\d*\(([-+0-9.eE]+)\)")  # np.float64(255.0) -> 255.0
CSS_COLOR = re.compile(r"rgba?\(\s*[-+0-9.eE]+\s*(?:,\s*[-+0-9.eE]+\s*){2,3}\)")


def repair_colors(doc: str) -> str:
    """shap 0.51 formats its colours with numpy scalars' repr under NumPy 2: it writes
    ``rgba(np.float64(255.0), ...)``, which is not CSS, so the browser draws every token and
    the force bar with no colour at all.  Put the plain numbers back.

    >>> repair_colors("color: rgba(np.float64(255.0), np.float64(0.5), 0, np.float64(1.0))")
    'color: rgba(255.0, 0.5, 0, 1.0)'
    """
    return NUMPY_SCALAR.sub(r"\1", doc)


def genre_name(genre: str, lang: str = "en") -> str:
    """A class of the classifier in the student's language ("comedy" -> 喜剧)."""
    return t(f"explain.g.{genre}", lang) if f"explain.g.{genre}" in catalogue() else genre


def target_text(e: Explanation, lang: str = "en", html: bool = False) -> str:
    """The explained number: P(喜剧) / P(comedy), or log p(' the'): the token is never
    translated (``html``: escaped and marked ``translate="no"``, for Markdown)."""
    if e.model == "classifier":
        return f"P({genre_name(e.target, lang)})"
    if not html:
        return f"log p({e.target!r})"
    from html import escape

    return f'log p(<span translate="no">{escape(repr(e.target), quote=True)}</span>)'


def text_plot_html(expl: Explanation, lang: str = "en") -> str:
    """shap's own text plot (self-contained HTML with inline scripts), every token escaped, its
    own words ("base value", "inputs") and the explained number in ``lang``.

    The tokens are ``expl.tokens`` (a GPT byte token that is part of a character shows as its
    bytes, ``<e5 ba>``, not the character three times); shap escapes only ``<`` and ``>``, so
    we escape ``&`` and quotes too, before shap sees them.  Show it in a sandboxed
    ``<iframe srcdoc=...>``: ``gr.HTML`` runs no scripts.
    """
    import html

    import shap

    sv = expl.shap_explanation
    tokens = expl.tokens if len(expl.tokens) == len(np.asarray(sv.values)) else np.asarray(sv.data)
    data = np.array([html.escape(str(s), quote=True) for s in tokens], dtype=object)
    safe = shap.Explanation(values=np.asarray(sv.values), base_values=sv.base_values, data=data,
                            hierarchical_values=getattr(sv, "hierarchical_values", None),
                            clustering=getattr(sv, "clustering", None))
    safe.output_names = html.escape(target_text(expl, lang), quote=True)  # a str: the title
    return reword(repair_colors(shap.plots.text(safe, display=False)), lang)


def reword(doc: str, lang: str) -> str:
    """shap's two words on the force bar in ``lang`` (they are SVG text: ``>base value<`` and
    ``(inputs)</text>``; English stays as shap wrote it).

    >>> reword('<text>base value</text><text>f(inputs)</text>', "zh")
    '<text>基准值</text><text>f(输入)</text>'
    """
    if lang_code(lang) != "zh":
        return doc
    return (doc.replace(">base value<", f">{t('explain.base_value', lang)}<")
            .replace("(inputs)</text>", f"({t('explain.inputs', lang)})</text>"))
