"""Every privacy figure at once, computed when asked: what ``lmlab privacy --json`` prints.

Command: ``lmlab privacy``.  Lesson: lessons/13_privacy.en.md.

Memorisation, membership inference and extraction use the shipped Shakespeare GPT
(``lmlab.models.load_gpt("shakespeare")``); the calibrated membership attack uses the distilled
student as its reference; the canary part scores the shipped canary models.
"""

from __future__ import annotations

import time


def privacy_report(parts=("memorization", "membership", "canary", "extraction"),
                   seed: int = 0) -> dict:
    """{"memorization": ..., "membership": ..., "canary": [...], "extraction": ...,
    "seconds": {part: wall time}}, each part as in the privacy issue's schema."""
    from lmlab.models import load_gpt
    from lmlab.tokenizer import load_tokenizer

    model, tok = load_gpt("shakespeare"), load_tokenizer()
    out, seconds = {}, {}
    for part in parts:
        t0 = time.perf_counter()
        if part == "memorization":
            from lmlab.privacy.memorization import memorization

            out[part] = memorization(model, tok, seed=seed).to_json()
        elif part == "membership":
            from lmlab.privacy.membership import membership

            out[part] = membership(model, load_gpt("shakespeare-distilled"),
                                   "shakespeare-distilled", seed=seed).to_json()
        elif part == "canary":
            from lmlab.privacy.canary import canary_results

            out[part] = canary_results()
        elif part == "extraction":
            from lmlab.privacy.extraction import extraction

            out[part] = extraction(model, tok, seed=seed).to_json()
        else:
            raise ValueError(f"unknown part {part!r}; choose from memorization, membership, "
                             "canary, extraction")
        seconds[part] = round(time.perf_counter() - t0, 1)
    return out | {"seconds": seconds}
