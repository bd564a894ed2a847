"""The app's tabs, one module each (tool: the UI layer); every tab module has ``build()`` and
runs on its own: ``python -m lmlab.ui.generate``.  ``app.py`` calls each ``build()`` inside one
``gr.Blocks``.

Tab modules lay out components and wire thin handlers: validate the input (``gr.Error`` with a
plain sentence), call ``lmlab``, turn the result into a figure.  No model math lives here.

- ``lmlab.ui.shell``       the app shell: header, tab titles, the 中文 / English switch
- ``lmlab.ui.lessons``     Lessons (the first tab): lessons with outputs, open-tab buttons, quizzes
- ``lmlab.ui.ngram``       N-gram vs neural (figures: ``lmlab.ui.ngram_views``, words: ``lmlab.ui.ngram_words``)
- ``lmlab.ui.tokens``      Tokens (BPE, replay, training, embedding map)
- ``lmlab.ui.generate``    Generate (its words: ``lmlab.ui.generate_words``)
- ``lmlab.ui.train``       Train (settings: ``lmlab.ui.train_settings``, figures: ``lmlab.ui.train_views``)
- ``lmlab.ui.attention``   Attention (its words: ``lmlab.ui.attention_words``)
- ``lmlab.ui.inside``      Inside (logit lens, patching, induction heads, ablation)
- ``lmlab.ui.positional``  Positional (its words: ``lmlab.ui.positional_words``)
- ``lmlab.ui.explain``     Explain
- ``lmlab.ui.privacy``     Privacy (its words: ``lmlab.ui.privacy_words``)
- ``lmlab.ui.compress``    Compress (figures: ``lmlab.ui.compress_views``; distil live:
  ``lmlab.ui.compress_live``)
- ``lmlab.ui.common``      core errors as ``gr.Error``, input checks, plot style
- ``lmlab.ui.server``      offline files, a fair queue, launch settings for a classroom
- ``lmlab.ui.plots``       token-labelled heatmaps
- ``lmlab.ui.html``        sandboxed rich HTML (bertviz, shap) and vendored JS
- ``lmlab.ui.shap_plot``   shap's text plot, escaped
- ``lmlab.ui.i18n``        the UI's words in English and Chinese
- ``lmlab.ui.explain_words``, ``lmlab.ui.tokens_words``, ``lmlab.ui.inside_words``  the words of
  Explain, Tokens and Inside
"""
