"""The app's tabs, one module each; every module has ``build()`` and runs on its own:
``python -m lmlab.ui.generate``.  ``app.py`` calls each ``build()`` inside one ``gr.Blocks``.

Tab modules lay out components and wire thin handlers: validate the input (``gr.Error`` with a
plain sentence), call ``lmlab``, turn the result into a figure.  No model math lives here.
"""
