"""The Compress tab's "distil live": one short KD run per user, a cap on runs at once.

Tab: Compress (``lmlab.ui.compress`` lays it out).  Code: ``lmlab.compress.distill.LiveDistil``.

The run lives in the user's ``gr.State`` (a ``LiveSlot``), trains in slices of about a second
and yields the two loss curves after each; "Stop" sets a flag the run reads between steps.  A
``lmlab.training.session.RunLimiter`` (the Train tab's kind; one per app, made in build())
refuses a run past the cap with "busy" in words; the run renews its slot after every slice.
"""

from __future__ import annotations

import time
import uuid

import gradio as gr

from lmlab.cache import load_once
from lmlab.training.session import RunLimiter
from lmlab.ui import common
from lmlab.ui import compress_views as views
from lmlab.ui.i18n import t

SLICE_S = 1.0  # a live run yields after about this long
LIVE_WORKS = 4  # training works a live run draws its batches from (encoded once, shared)


@load_once(maxsize=1)
def live_data() -> tuple:
    """(train ids, held-out ids): the first few training works and the first val work, encoded
    once for every user (the whole corpus would take seconds to encode on first use)."""
    from lmlab.data import split_texts

    tok = common.tokenizer()
    train = [i for text in split_texts("train")[:LIVE_WORKS] for i in tok.encode(text) + [tok.eot_id]]
    return train, tok.encode(split_texts("val")[0])


class LiveSlot:
    """One user's live run (kept in their ``gr.State``): is one going, and should it stop."""

    def __init__(self):
        self.busy, self.stop, self.key = False, False, uuid.uuid4().hex  # key: its slot in the limiter

    def __deepcopy__(self, memo) -> LiveSlot:
        """A new user's slot (gr.State gives each session a deep copy of its first value): its
        own key, so two users never share a place in the limiter."""
        return LiveSlot()


def live_run(slot, lang, limiter: RunLimiter):
    """Yield (figure, status, slot) about once a second while a short KD run trains."""
    from lmlab.compress.distill import LiveConfig, LiveDistil

    slot = slot if isinstance(slot, LiveSlot) else LiveSlot()
    if slot.busy:
        raise gr.Error(t("compress.live_twice", lang))
    if limiter.acquire(slot.key):
        raise gr.Error(t("compress.live_busy", lang, n=limiter.cap))
    slot.busy, slot.stop = True, False
    try:
        cfg = LiveConfig()
        run = LiveDistil(common.gpt(), *live_data(), cfg)
        while not run.done and not slot.stop:
            t0 = time.perf_counter()
            while not run.done and not slot.stop and time.perf_counter() - t0 < SLICE_S:
                run.step()
            limiter.acquire(slot.key)  # renews its slot's lease (it holds one)
            yield *_live_view(run, lang), slot
        if slot.stop:
            yield (views.live_figure(run.curves, lang, cfg.steps),
                   t("compress.live_stopped", lang, step=run.step_count), slot)
    finally:
        slot.busy = False
        limiter.release(slot.key)


def _live_view(run, lang):
    kd, text = run.curves["kd"][-1][1], run.curves["text"][-1][1]
    return (views.live_figure(run.curves, lang, run.cfg.steps),
            t("compress.live_status", lang, step=run.step_count, steps=run.cfg.steps, kd=kd, text=text))


def live_stop(slot):
    """Ask the user's run to stop after its current step."""
    if isinstance(slot, LiveSlot):
        slot.stop = True
    return slot
