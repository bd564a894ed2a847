"""LM Lab: the app (tool).  Assembles one tab per ``lmlab.ui`` module; no model math here.

Run: ``python app.py`` then open http://127.0.0.1:7860 (GRADIO_SERVER_NAME / GRADIO_SERVER_PORT
change the address).  The page speaks the browser's language (简体中文 or English); the switch at
the top changes it in place (``lmlab.ui.shell``).
"""

import gradio as gr

from lmlab.ui import attention, explain, generate, inside, lessons, ngram, positional, privacy, shell, tokens
from lmlab.ui.i18n import I18N, label

TABS = [("Lessons", lessons), ("N-gram vs neural", ngram), ("Tokens", tokens), ("Generate", generate),
        ("Attention", attention), ("Inside", inside), ("Positional", positional), ("Explain", explain),
        ("Privacy", privacy)]  # in teaching order


def build_app() -> gr.Blocks:
    with gr.Blocks(title="LM Lab", analytics_enabled=False) as demo:  # offline: no telemetry
        lang = gr.State("en")  # "en" or "zh": what every handler words its sentences in
        with gr.Row(equal_height=True):
            gr.Markdown(label("app.header"))
            switch = shell.language_switch()
        ids = tuple(shell.tab_id(module) for _, module in TABS)  # tab ids: the modules' names
        followers = []  # tabs' handlers to re-run when the language changes
        with gr.Tabs() as tabs:
            for title, module in TABS:
                with gr.Tab(shell.tab_title(module, title), id=shell.tab_id(module)):
                    shell.build_tab(module, lang=lang, tabs=tabs, tab_ids=ids, followers=followers)
        shell.wire(demo, switch, lang, followers)
    # A classroom: 30 students on 2 cores.  Each event runs at most 2 at a time unless its tab
    # sets its own concurrency_limit (heavy ones: 1); at most 100 events wait, about 3 per
    # student: past that a wait runs to minutes, and "the queue is full" is the honest answer.
    demo.queue(default_concurrency_limit=2, max_size=100)
    return demo


if __name__ == "__main__":
    from lmlab.ui.common import configure_server

    configure_server()  # one torch thread per request, few malloc arenas
    build_app().launch(i18n=I18N())
