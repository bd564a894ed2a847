"""Privacy: what a language model memorises, who can tell what it was trained on, what DP buys.

Lesson: lessons/13_privacy.en.md.  Command: ``lmlab privacy``.  Tab: Privacy.

- ``lmlab.privacy.memorization``  line starts -> greedy continuation: verbatim on train vs held-out
- ``lmlab.privacy.extraction``    sample, rank by perplexity and zlib (Carlini et al. 2021), look up
- ``lmlab.privacy.membership``    the loss-threshold attack, calibrated; ROC and AUC (Shokri 2017)
- ``lmlab.privacy.canary``        a planted secret's rank among 10,000 and its exposure (Carlini 2019)
- ``lmlab.privacy.dp``            DP-SGD: per-example clipping, Gaussian noise, ε (Abadi et al. 2016)
- ``lmlab.privacy.canary_train``  the tiny canary models, trained with and without DP-SGD
- ``lmlab.privacy.report``        every figure of ``lmlab privacy --json``, computed when run
"""
