"""LM Lab: the app (tool).  Assembles one tab per ``lmlab.ui`` module; no model math here.

Run: ``python app.py`` then open http://127.0.0.1:7860 (GRADIO_SERVER_NAME / GRADIO_SERVER_PORT
change the address).  Offline by default: no model hub, no outside host, whatever is typed;
``LMLAB_HUB=1`` lets the Generate tab load GPT-2-family hub models (an online Space).
"""

import os

if os.environ.get("LMLAB_HUB") != "1":  # before any Hugging Face library is imported
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402

from lmlab.ui import attention, explain, generate, ngram, positional, server  # noqa: E402

HEADER = """# LM Lab
Look inside real, working language models. Every number on screen is computed by the `lmlab`
package (open it: each tab names its module). Default model: a GPT-2-shaped **Shakespeare GPT**
(2.2M parameters) trained from scratch on a CPU, shipped in `assets/shakespeare-gpt`.
Everything runs offline."""

TABS = [("N-gram vs neural", ngram), ("Generate", generate), ("Attention", attention),
        ("Positional", positional), ("Explain", explain)]  # in teaching order


def build_app() -> gr.Blocks:
    with gr.Blocks(title="LM Lab", analytics_enabled=False,  # offline: no telemetry
                   delete_cache=server.CACHE_CLEANUP) as demo:
        gr.Markdown(HEADER)
        for title, module in TABS:
            with gr.Tab(title):
                module.build()
    # A classroom: 30 students on 2 cores.  Each event runs at most 2 at a time unless its tab
    # sets its own concurrency_limit; the heavy ones (SHAP, held-out evaluations) share
    # concurrency_id "heavy": 2 at once, all together; one client holds at most
    # server.JOBS_PER_CLIENT of them and of generations.  At most 100 events wait.
    demo.queue(default_concurrency_limit=2, max_size=100)
    server.ClientLimit().install(demo)
    return demo


def launch_settings() -> dict:
    """What ``demo.launch`` gets here and in the tests (``lmlab.ui.server.launch_settings``)."""
    return server.launch_settings()


if __name__ == "__main__":
    from pathlib import Path

    from lmlab.ui.common import configure_server

    os.chdir(Path(__file__).resolve().parent)  # pages name files relative to it (no server paths)

    configure_server()  # one torch thread per request, few malloc arenas
    build_app().launch(**launch_settings())
