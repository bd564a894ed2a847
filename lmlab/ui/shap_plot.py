"""shap's text plot of an explanation, as safe HTML for a sandboxed iframe.

Tool: the UI layer.  Tab: Explain.  Values from ``lmlab.explain.shap_values``.
"""

from __future__ import annotations

import numpy as np

from lmlab.explain.shap_values import Explanation


def text_plot_html(expl: Explanation) -> str:
    """shap's own text plot (self-contained HTML with inline scripts), every token escaped.

    shap escapes only ``<`` and ``>``; we escape ``&`` and quotes too, before shap sees them.
    Show it in a sandboxed ``<iframe srcdoc=...>``: ``gr.HTML`` runs no scripts.
    """
    import html

    import shap

    sv = expl.shap_explanation
    data = np.array([html.escape(str(s), quote=True) for s in np.asarray(sv.data)], dtype=object)
    safe = shap.Explanation(values=np.asarray(sv.values), base_values=sv.base_values, data=data,
                            hierarchical_values=getattr(sv, "hierarchical_values", None),
                            clustering=getattr(sv, "clustering", None))
    safe.output_names = html.escape(expl.target_label(), quote=True)  # a str: shown as the title
    return shap.plots.text(safe, display=False)
