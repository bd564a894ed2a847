"""LM Lab: the app (tool).  Assembles one tab per ``lmlab.ui`` module; no model math here.

Run: ``python app.py`` then open http://127.0.0.1:7860 (GRADIO_SERVER_NAME / GRADIO_SERVER_PORT
change the address).
"""

import gradio as gr

from lmlab.ui import attention, compress, explain, generate, ngram, positional

HEADER = """# LM Lab
Look inside real, working language models. Every number on screen is computed by the `lmlab`
package (open it: each tab names its module). Default model: a GPT-2-shaped **Shakespeare GPT**
(2.2M parameters) trained from scratch on a CPU, shipped in `assets/shakespeare-gpt`.
Everything runs offline."""

TABS = [("N-gram vs neural", ngram), ("Generate", generate), ("Attention", attention),
        ("Positional", positional), ("Explain", explain),
        ("Compress", compress)]  # in teaching order


def build_app() -> gr.Blocks:
    with gr.Blocks(title="LM Lab", analytics_enabled=False) as demo:  # offline: no telemetry
        gr.Markdown(HEADER)
        for title, module in TABS:
            with gr.Tab(title):
                module.build()
    # A classroom: 30 students on 2 cores.  Each event runs at most 2 at a time unless its tab
    # sets its own concurrency_limit (heavy ones: 1); at most 100 events wait, about 3 per
    # student: past that a wait runs to minutes, and "the queue is full" is the honest answer.
    demo.queue(default_concurrency_limit=2, max_size=100)
    return demo


if __name__ == "__main__":
    from lmlab.ui.common import configure_server
    from lmlab.ui.i18n import I18N

    configure_server()  # one torch thread per request, few malloc arenas
    build_app().launch(i18n=I18N())  # static words (label()) in the browser's language
