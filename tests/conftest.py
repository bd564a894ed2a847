"""Shared pytest fixtures: tiny random GPTs and HF GPT-2s saved to temp dirs (no network), and
the whole app running on a free port (``app_server``, once per session).

Run the suite with ``python -m pytest``.
"""

import logging
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # no test may reach a model hub
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no telemetry from any test

import pytest  # noqa: E402
import torch  # noqa: E402


@pytest.fixture
def tiny_hf_gpt2(tmp_path):
    """A random ``GPT2LMHeadModel`` of odd sizes saved with ``save_pretrained``: (model, dir)."""
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    cfg = GPT2Config(vocab_size=301, n_positions=48, n_embd=36, n_layer=3, n_head=3,
                     bos_token_id=0, eos_token_id=0, attn_implementation="eager")
    model = GPT2LMHeadModel(cfg).eval()
    model.save_pretrained(tmp_path)
    return model, tmp_path


# ----------------------------------------------------------------------------- the running app


class _Errors(logging.Handler):
    """Keeps every log record at ERROR or above (uvicorn's "Exception in ASGI application")."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture(scope="session")
def app_server():
    """The whole app (``app.build_app()``), launched once per session in this process on a free
    port, in gradio's background thread; closed at the end.

    Yields a namespace: ``url``, ``demo`` and ``log_errors`` (log records at ERROR or above,
    from any logger, while it ran).  Tracebacks gradio prints go to stderr: read them with
    ``capfd`` (``lmlab.bench.endpoints.uncaught`` tells a crash from a ``gr.Error``).
    """
    import importlib.util
    import types
    from pathlib import Path

    from lmlab.bench.endpoints import free_port

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    spec = importlib.util.spec_from_file_location(
        "lmlab_app", Path(__file__).resolve().parents[1] / "app.py")
    app = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(app)
    demo = app.build_app()
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True,
                quiet=True, css=getattr(app, "CSS", None))
    errors = _Errors()
    loggers = [logging.getLogger(n) for n in ("", "uvicorn", "uvicorn.error", "gradio")]
    for lg in loggers:
        lg.addHandler(errors)
    yield types.SimpleNamespace(url=f"http://127.0.0.1:{port}/", demo=demo,
                                log_errors=errors.records)
    for lg in loggers:
        lg.removeHandler(errors)
    demo.close()
