"""Tokens tab: text -> tokens -> vectors, with the BPE written out and replayed merge by merge.

Lesson: lessons/03_tokens.en.md.  Code: ``lmlab.bpe`` (encode, replay, train),
``lmlab.embeddings`` (neighbours, PCA map, positions, sentences).  Run: ``python -m lmlab.ui.tokens``.
Type text: the shipped BPE's tokens (id and bytes on hover) beside MiniLM's WordPiece, the
replay from bytes to tokens, a BPE trained on a play or a pasted text, and the embedding map.
The tab fills itself the first time it is shown (cached, not at start-up).
"""

from __future__ import annotations

from functools import lru_cache

import gradio as gr

from lmlab import bpe as bpe_lib
from lmlab import embeddings as emb
from lmlab.data import load_works, read_work
from lmlab.ui import common, plots
from lmlab.ui.i18n import label, t
from lmlab.ui.tokens_words import WORDS  # noqa: F401  (gathered by lmlab.ui.i18n)

DEFAULT_TEXT = "What says the King of France? 法国国王说什么？ 🙂"
DEFAULT_LINES = "To be, or not to be: that is the question.\nWhether to live or to die.\nThe train leaves at nine."
REPLAY_CHARS = 200  # the replay's text (each step re-scans it)
TRAIN_CHARS = 200_000  # longest training text (about 1 s of training)
CURVE_CHARS = 20_000  # the compression curve is measured on this much of the training text
PALETTE = ("#fde68a", "#bfdbfe", "#bbf7d0", "#fecaca", "#ddd6fe", "#fed7aa")


@lru_cache(maxsize=1)
def shipped() -> bpe_lib.BPE:
    return bpe_lib.BPE.from_tokenizer_json()


def chips(pieces: list[tuple[str, str]]) -> str:
    """Coloured token chips; ``pieces`` are (shown text, hover title).  Tokens are model output:
    marked ``translate="no"``."""
    spans = "".join(
        f"<span title='{common.escape(tip)}' style='background:{PALETTE[i % len(PALETTE)]};color:#111;"
        f"padding:1px 3px;margin:1px;border-radius:3px;font-family:monospace;white-space:pre'>"
        f"{common.token_html(s)}</span>" for i, (s, tip) in enumerate(pieces))
    return ("<div translate='no' style='display:flex;flex-wrap:wrap;gap:2px;line-height:1.8;"
            f"padding-top:1.6em'>{spans}</div>")


def bpe_chips(bpe: bpe_lib.BPE, ids: list[int], lang: str = "en") -> str:
    return chips([(bpe.token_text(i), t("tokens.chip", lang, i=i, hex=bpe.vocab[i].hex(" "))) for i in ids])


# ----------------------------------------------------------------------------- handlers


def tokenize(text, lang="en"):
    """The shipped BPE's tokens, MiniLM's WordPiece, the counts; and the replay slider."""
    from lmlab.explain.classifier import load_wordpiece

    text = common.clean_input(text, lang=lang)
    ids = shipped().encode(text)
    wp = load_wordpiece()
    pieces = wp.tokenize(text)
    wp_html = chips([(p, t("tokens.wp_chip", lang, i=i))
                     for p, i in zip(pieces, wp.convert_tokens_to_ids(pieces), strict=True)])
    stats = t("tokens.stats", lang, bpe=len(ids), bpe_cpt=len(text) / len(ids), wp=len(pieces),
              wp_cpt=len(text) / max(len(pieces), 1), chars=len(text), nbytes=len(text.encode()))
    _, steps = shipped().encode_steps(text[:REPLAY_CHARS])
    html, md = replay(text, len(steps), lang)
    return (bpe_chips(shipped(), ids, lang), wp_html, stats,
            gr.update(maximum=max(len(steps), 1), value=len(steps)), html, md)


def replay(text, step, lang="en"):
    """The text's tokens after ``step`` merges of the replay."""
    text = common.clean_input(text, lang=lang)
    cut = text[:REPLAY_CHARS]
    b = shipped()
    start, steps = b.encode_steps(cut)
    k = min(max(int(step or 0), 0), len(steps))
    note = t("tokens.replay_cut", lang, limit=REPLAY_CHARS) if len(text) > REPLAY_CHARS else ""
    if k == 0:
        return bpe_chips(b, start, lang), t("tokens.step0", lang, n=len(steps), count=len(start)) + note
    s = steps[k - 1]
    md = t("tokens.step_md", lang, k=k, n=len(steps), rank=s.rank, count=len(s.ids),
           a=common.quoted(b.token_text(s.pair[0])), b=common.quoted(b.token_text(s.pair[1])),
           new=common.quoted(b.token_text(s.new_id)))
    return bpe_chips(b, s.ids, lang), md + note


def _trained(text: str, vocab: int):
    import time

    t0 = time.perf_counter()
    bpe = bpe_lib.train(text[:TRAIN_CHARS], vocab)
    return bpe, time.perf_counter() - t0, min(len(text), TRAIN_CHARS), text[:CURVE_CHARS]


@lru_cache(maxsize=16)
def _trained_on_play(slug: str, vocab: int):
    return _trained(read_work(slug), vocab)


def _curve(bpe: bpe_lib.BPE, sample: str) -> tuple[list[int], list[float]]:
    """Characters per token of ``sample`` with the first m merges, for a few m."""
    n = len(bpe.merges)
    points = sorted({round(n * f) for f in (0, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0)})
    return points, [len(sample) / max(len(bpe.truncated(m).encode(sample)), 1) for m in points]


@lru_cache(maxsize=16)
def _curve_of_play(slug: str, vocab: int):
    bpe, _, _, sample = _trained_on_play(slug, vocab)
    return _curve(bpe, sample)


def train_bpe(source, pasted, vocab, text, lang="en"):
    """Train a BPE on a play or the pasted text; its compression curve and the typed text."""
    text = common.clean_input(text, lang=lang)
    vocab = int(min(max(int(vocab or 256), 256), 4096))
    plays = {w.slug for w in load_works()}
    if source not in plays and source != "__pasted__":
        raise gr.Error(t("tokens.unknown_play", lang, play=str(source)[:60]))
    if source == "__pasted__":
        pasted = common.clean_input(pasted, t("tokens.pasted_what", lang), TRAIN_CHARS, lang)
    trained = _trained if source == "__pasted__" else _trained_on_play  # a play's: cached
    bpe, sec, chars, sample = trained(pasted if source == "__pasted__" else source, vocab)
    n = len(bpe.merges)
    points, cpt = (_curve_of_play(source, vocab) if source != "__pasted__" else _curve(bpe, sample))
    fig = plots.figure([dict(type="scatter", x=[256 + m for m in points], y=cpt, mode="lines+markers",
                             hovertemplate=t("tokens.curve_hover", lang))],
                       dict(height=260, title=dict(text=t("tokens.curve", lang), font_size=13),
                            xaxis=dict(title=t("tokens.vocab", lang)), yaxis=dict(rangemode="tozero")))
    first = ", ".join(f"'{common.quoted(bpe.token_text(i))}'" for i in range(256, min(256 + 8, 256 + n)))
    ids = bpe.encode(text)
    md = t("tokens.trained", lang, merges=n, chars=chars, sec=sec, first=first or "-", n=len(ids),
           shipped=len(shipped().encode(text)))
    return fig, md, bpe_chips(bpe, ids, lang)


@lru_cache(maxsize=1)
def _map_data():
    model = common.gpt()
    coords, explained = emb.pca_map(model)
    texts = [shipped().token_text(i) for i in range(model.config.vocab_size)]
    return coords, explained, texts, [emb.token_kind(s) for s in texts]


def one_token(token: str, lang: str = "en") -> int:
    """The id of a single shipped token, or a gr.Error saying how many tokens it is."""
    ids = shipped().encode(token)
    if len(ids) != 1:
        hint = next((w for w in (" " + token.strip(), token.strip()) if len(shipped().encode(w)) == 1), " King")
        pieces = " + ".join(repr(shipped().token_text(i)) for i in ids[:6]) or t("tokens.nothing", lang)
        raise gr.Error(t("tokens.not_one", lang, token=token, n=len(ids), pieces=pieces, hint=hint))
    return ids[0]


def embedding_map(token, lang="en"):
    """The PCA map of every token, coloured by kind, the chosen token and its neighbours marked."""
    token = token if token and token.strip() else " King"
    i = one_token(token[:50], lang)
    coords, explained, texts, kinds = _map_data()
    near, sims = emb.nearest_tokens(common.gpt(), i, k=10)
    data = []
    for k in range(len(emb.KINDS)):
        idx = [j for j, kind in enumerate(kinds) if kind == k]
        data.append(dict(type="scattergl", mode="markers", name=t(f"tokens.kind{k}", lang), x=coords[idx, 0].tolist(),
                         y=coords[idx, 1].tolist(), marker=dict(size=5, opacity=0.6),
                         text=[common.token_html(texts[j]) for j in idx],
                         hovertemplate="%{text}<extra></extra>"))
    mark = [i, *near.tolist()]
    data.append(dict(type="scatter", mode="markers+text", name=t("tokens.marked", lang),
                     x=coords[mark, 0].tolist(), y=coords[mark, 1].tolist(),
                     text=[common.token_html(texts[j]) for j in mark], textposition="top center",
                     marker=dict(size=11, symbol="diamond", color="#111")))
    title = t("tokens.map_title", lang, a=float(explained[0]), b=float(explained[1]))
    fig = plots.figure(data, dict(height=460, legend=dict(orientation="h", y=-0.12),
                                  title=dict(text=title, font_size=13)))
    listed = ", ".join(f"'{common.quoted(texts[j])}' {float(s):.2f}" for j, s in zip(near.tolist(), sims, strict=True))
    return fig, t("tokens.neighbours", lang, token=common.quoted(texts[i]), list=listed)


@lru_cache(maxsize=2)
def positions_figure(lang="en"):
    sim = emb.position_similarity(common.gpt())
    axis = [str(i) for i in range(len(sim))]
    return plots.heatmap(sim, axis, axis, t("tokens.positions", lang), x_title=t("tokens.position", lang),
                         y_title=t("tokens.position", lang), height=380)


def sentences(lines, lang="en"):
    """MiniLM's sentence vectors for the typed lines, and their cosine similarities."""
    rows = [s.strip() for s in common.clean_input(lines, t("tokens.lines_what", lang), lang=lang).splitlines()
            if s.strip()]
    if not 2 <= len(rows) <= 8:
        raise gr.Error(t("tokens.lines_bad", lang, n=len(rows)))
    sim = emb.cosine_matrix(emb.sentence_embeddings([r[:300] for r in rows]))
    names = [f"{k}: {common.escape(r[:30])}" for k, r in enumerate(rows)]
    return plots.heatmap(sim, names, names, t("tokens.cosine", lang), diverging=False, zmin=0, zmax=1,
                         x_title=t("tokens.line", lang), y_title=t("tokens.line", lang), height=340)


def first_view(lang="en"):
    """Every panel for the default inputs (the default play is the first in the picker)."""
    return (*tokenize(DEFAULT_TEXT, lang), *train_bpe(_plays()[0][1], "", 512, DEFAULT_TEXT, lang),
            *embedding_map(" King", lang), positions_figure(lang), sentences(DEFAULT_LINES, lang))


def _plays():  # (shown, slug) for the picker
    return [(w.title.title()[:40], w.slug) for w in load_works()]


# ----------------------------------------------------------------------------- layout


def build(lang=None) -> None:
    """Lay out the Tokens tab inside the current Blocks context (filled on first view)."""
    lang = lang if lang is not None else gr.State("en")
    gr.Markdown(label("tokens.intro"))
    with gr.Row():
        text = gr.Textbox(DEFAULT_TEXT, label=label("tokens.text"), info=label("tokens.text_info"), lines=2,
                          max_length=common.MAX_CHARS, scale=4)
        go = gr.Button(label("tokens.go"), variant="primary", scale=1)
    with gr.Row():
        with gr.Column(min_width=320):  # side by side, or one under the other on a phone
            bpe_html = gr.HTML(label=label("tokens.bpe"), show_label=True, container=True)
        with gr.Column(min_width=320):
            wp_html = gr.HTML(label=label("tokens.wordpiece"), show_label=True, container=True)
    stats = gr.Markdown()
    gr.Markdown(label("tokens.replay"))
    step = gr.Slider(0, 100, value=0, step=1, label=label("tokens.step"), info=label("tokens.step_info"))
    replay_md, replay_html = gr.Markdown(), gr.HTML()
    gr.Markdown(label("tokens.train"))
    with gr.Row():
        source = gr.Dropdown([(label("tokens.pasted_choice"), "__pasted__"), *_plays()], value=_plays()[0][1],
                             label=label("tokens.source"), info=label("tokens.source_info"))
        vocab = gr.Slider(256, 2048, value=512, step=16, label=label("tokens.vocab"), info=label("tokens.vocab_info"))
        train_go = gr.Button(label("tokens.train_go"))
    pasted = gr.Textbox(label=label("tokens.pasted"), info=label("tokens.pasted_info"), lines=3,
                        max_length=TRAIN_CHARS)
    with gr.Row():
        curve = gr.Plot(show_label=False)
        with gr.Column():
            trained_md, trained_html = gr.Markdown(), gr.HTML()
    gr.Markdown(label("tokens.embed"))
    with gr.Row():
        token = gr.Textbox(" King", label=label("tokens.token"), info=label("tokens.token_info"), scale=3)
        show = gr.Button(label("tokens.show"), scale=1)
    neighbours, emb_map = gr.Markdown(), gr.Plot(show_label=False)
    positions = gr.Plot(show_label=False)
    gr.Markdown(label("tokens.sentences"))
    with gr.Row():
        lines = gr.Textbox(DEFAULT_LINES, label=label("tokens.lines"), info=label("tokens.lines_info"), lines=4,
                           max_length=common.MAX_CHARS, scale=3)
        compare = gr.Button(label("tokens.compare"), scale=1)
    sim = gr.Plot(show_label=False)
    tok_out, train_out = [bpe_html, wp_html, stats, step, replay_html, replay_md], [curve, trained_md, trained_html]
    gr.on([go.click, text.submit], tokenize, [text, lang], tok_out, api_name="tokens", trigger_mode="always_last"
          ).success(train_bpe, [source, pasted, vocab, text, lang], train_out, api_name="tokens_retrain")
    step.release(replay, [text, step, lang], [replay_html, replay_md], api_name="tokens_replay",
                 trigger_mode="always_last", show_progress="minimal")
    train_go.click(train_bpe, [source, pasted, vocab, text, lang], train_out, api_name="tokens_train",
                   concurrency_limit=1)
    gr.on([show.click, token.submit], embedding_map, [token, lang], [emb_map, neighbours],
          api_name="tokens_embedding")
    compare.click(sentences, [lines, lang], [sim], api_name="tokens_sentences", concurrency_limit=1)
    common.on_first_view(first_view, [*tok_out, *train_out, emb_map, neighbours, positions, sim],
                         api_name="tokens_first_view", inputs=[lang])


if __name__ == "__main__":
    from lmlab.ui.i18n import I18N

    with gr.Blocks(title="LM Lab: Tokens", analytics_enabled=False) as demo:
        build()
    demo.queue().launch(i18n=I18N())
