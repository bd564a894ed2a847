"""The model registry: every model a tab, the CLI, a lesson or ``lmlab.explain`` uses, by name.

Lesson: lessons/07_generation.en.md.  Tabs: every tab (the Generate picker lists ``GPT_NAMES``).

Each model is loaded once per process and shared read-only (``eval()``, no gradients), so one
copy serves every user.  Hub names (``"hub:gpt2"``) are refused unless the server opted in
with ``LMLAB_HUB=1`` (``lmlab.hub.HubDisabled``).  A load locks only its own name
(``lmlab.cache.load_once``): a slow hub download never delays the shipped models, which are
pinned (never evicted); hub models are kept one at a time.

>>> load_gpt("shakespeare") is load_gpt("shakespeare")
True
"""

from __future__ import annotations

from lmlab import DISTILLED_GPT, SHIPPED_GPT
from lmlab.cache import load_once

GPT_NAMES = ("shakespeare", "shakespeare-int8", "shakespeare-distilled")  # shipped, offline
SOURCES = {"shakespeare": SHIPPED_GPT, "shakespeare-int8": SHIPPED_GPT,
           "shakespeare-distilled": DISTILLED_GPT}


class UnknownModel(ValueError):
    """A model name that is neither shipped nor ``hub:<id>``."""

    def __init__(self, name: str):
        super().__init__(f"unknown model {name!r}; choose one of {', '.join(GPT_NAMES)} "
                         "or hub:<id>")
        self.name = name


def is_shipped(name: str = "shakespeare") -> bool:
    return name in SOURCES


def is_hub(name: str = "shakespeare") -> bool:
    return name.startswith("hub:")


@load_once(maxsize=6, pinned=is_shipped, solo=is_hub)
def load_gpt(name: str = "shakespeare"):
    """A GPT by name: ``"shakespeare"``, ``"shakespeare-int8"`` (weights rounded to int8,
    ``lmlab.compress.quantize``), ``"shakespeare-distilled"`` or ``"hub:<id>"``.

    Raises ``UnknownModel`` or ``lmlab.hub.CheckpointError`` (a ValueError) with the reason;
    ``lmlab.hub.HubDisabled`` for a hub name unless the server opted in (``LMLAB_HUB=1``).
    """
    from lmlab.gpt import GPT
    from lmlab.hub import CheckpointError, HubDisabled, download, hub_enabled

    if not is_shipped(name) and not is_hub(name):
        raise UnknownModel(name)
    if is_hub(name) and not hub_enabled():  # a server opts in with LMLAB_HUB=1
        raise HubDisabled()
    if is_shipped(name):
        model = GPT.from_pretrained(SOURCES[name])
    else:  # a hub id is only ever fetched from the hub, never read as a local folder
        folder = download(name[4:])  # refuses when the hub is off (HubDisabled), capped, checked
        try:
            model = GPT.from_pretrained(folder)
        except CheckpointError as exc:  # name the model, never the server's cache folder
            raise CheckpointError(str(exc).replace(str(folder), name[4:])) from None
    if name == "shakespeare-int8":
        from lmlab.compress.quantize import quantize_model

        model = quantize_model(model, bits=8)
    for p in model.parameters():
        p.requires_grad_(False)
    return model.eval()


@load_once(maxsize=4, pinned=lambda name="shakespeare": not is_hub(name), solo=is_hub)
def load_gpt_tokenizer(name: str = "shakespeare"):
    """The tokenizer that goes with ``load_gpt(name)``."""
    from lmlab.hub import HubDisabled, hub_enabled, load_hub_tokenizer
    from lmlab.tokenizer import load_tokenizer

    if is_hub(name):
        if not hub_enabled():
            raise HubDisabled()
        return load_hub_tokenizer(name[4:])
    if not is_shipped(name):
        raise UnknownModel(name)
    return load_tokenizer()


@load_once(maxsize=1)
def load_classifier():
    """The shipped genre classifier (MiniLM, fine-tuned; ``lmlab.explain.classifier``)."""
    from lmlab.explain.classifier import SHIPPED_CLASSIFIER, read_classifier

    return read_classifier(SHIPPED_CLASSIFIER)
