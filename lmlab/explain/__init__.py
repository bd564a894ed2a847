"""Explanations: SHAP, gradient x input and attention, on a genre classifier and on the GPT.

Lesson: lessons/12_interpretability.en.md.  Command: ``lmlab explain``.  Tab: Explain.

- ``lmlab.explain.shap_values``  SHAP, gradient x input and attention for one text
- ``lmlab.explain.classifier``   the genre classifier (MiniLM, fine-tuned) and its card
- ``lmlab.explain.passages``     passages of plays, labelled by genre, split by play
- ``lmlab.explain.card``         the classifier's model card
"""
