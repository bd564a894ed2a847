"""LM Lab: the app (tool).  Assembles one tab per ``lmlab.ui`` module; no model math here.

Run: ``python app.py`` then open http://127.0.0.1:7860 (GRADIO_SERVER_NAME / GRADIO_SERVER_PORT
change the address).  Offline by default: no model hub, no outside host, whatever is typed;
``LMLAB_HUB=1`` lets the Generate tab load GPT-2-family hub models (an online Space).  The page
speaks the browser's language (简体中文 or English); the switch at the top changes it in place
(``lmlab.ui.shell``).
"""

import os

if os.environ.get("LMLAB_HUB") != "1":  # before any Hugging Face library is imported
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402

from lmlab.ui import (  # noqa: E402
    attention,
    common,
    compress,
    explain,
    generate,
    inside,
    lessons,
    ngram,
    positional,
    privacy,
    server,
    shell,
    tokens,
    train,
)
from lmlab.ui.i18n import I18N, label  # noqa: E402

# gradio serves Source Sans Pro in weights 400 and 600 only: bold (700) would be drawn in a
# fallback font, so bold text uses the 600 face it has
CSS = "strong, b, th { font-weight: 600; }"
TABS = [("Lessons", lessons), ("N-gram vs neural", ngram), ("Tokens", tokens), ("Generate", generate),
        ("Train", train), ("Attention", attention), ("Inside", inside), ("Positional", positional),
        ("Explain", explain), ("Compress", compress), ("Privacy", privacy)]  # in teaching order


def build_app() -> gr.Blocks:
    with gr.Blocks(title="LM Lab", analytics_enabled=False,  # offline: no telemetry
                   delete_cache=server.CACHE_CLEANUP) as demo:
        lang = gr.State("en", time_to_live=common.STATE_TTL_S)  # "en" or "zh", for every handler
        with gr.Row(equal_height=True):
            gr.Markdown(label("app.header"))
            switch = shell.language_switch()
        ids = tuple(shell.tab_id(module) for _, module in TABS)  # tab ids: the modules' names
        followers = []  # tabs' handlers to re-run when the language changes
        finish = []  # tabs' wiring that needs every tab built (the Lessons tab's "open in tab")
        with gr.Tabs(overflow_behavior="wrap") as tabs:  # a phone shows every tab, none behind ⋯
            for title, module in TABS:
                with gr.Tab(shell.tab_title(module, title), id=shell.tab_id(module)):
                    shell.build_tab(module, lang=lang, tabs=tabs, tab_ids=ids, followers=followers,
                                    finish=finish)
        shell.wire(demo, switch, lang, followers, finish)
    # A classroom: 30 students on 2 cores.  Each event runs at most 2 at a time unless its tab
    # sets its own concurrency_limit; the heavy ones (SHAP, held-out evaluations) share
    # concurrency_id "heavy": 2 at once, all together; one client holds at most
    # server.JOBS_PER_CLIENT of them and of generations.  At most 100 events wait.
    demo.queue(default_concurrency_limit=2, max_size=100)
    server.ClientLimit().install(demo)
    return demo


def launch_settings() -> dict:
    """What ``demo.launch`` gets here and in the tests: the server's limits and the UI's words."""
    return server.launch_settings() | {"i18n": I18N(), "css": CSS}


if __name__ == "__main__":
    from pathlib import Path

    from lmlab.ui.common import configure_server

    os.chdir(Path(__file__).resolve().parent)  # pages name files relative to it (no server paths)

    configure_server()  # one torch thread per request, few malloc arenas
    build_app().launch(**launch_settings())
