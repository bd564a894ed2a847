"""Explanations: SHAP's additivity (base value + sum of values == output, to 1e-3) for the
classifier and the GPT, the model functions SHAP calls against a direct forward pass, the JSON
keys, escaped and self-contained HTML, truncation notes, and the CLI.

Run: python -m pytest tests/test_explain.py   (the MiniLM ones are marked slow)
"""

import json
import re

import numpy as np
import pytest
import torch

from lmlab import ASSETS_DIR
from lmlab.cli import main
from lmlab.explain.shap_values import (
    Explanation,
    explain_classifier,
    explain_gpt,
    gpt_function,
    gpt_views,
    rank_agreement,
)
from lmlab.gpt import GPT
from lmlab.tokenizer import load_tokenizer
from lmlab.ui.shap_plot import text_plot_html

TEXT = "ROMEO.\nBut soft, what light through yonder window breaks?\nIt is the east, and Juliet"
JSON_KEYS = {"tokens", "values", "base_value", "output", "target"}


@pytest.fixture(scope="module")
def gpt():
    return GPT.from_pretrained(ASSETS_DIR / "shakespeare-gpt")


@pytest.fixture(scope="module")
def classifier():
    from lmlab.models import load_classifier

    return load_classifier()


def check_additive(e: Explanation) -> None:
    assert len(e.tokens) == len(e.values) == len(e.attention) == len(e.grad_x_input)
    assert abs(e.base_value + sum(e.values) - e.output) < 1e-3


# ----------------------------------------------------------------------------- GPT


def test_scoring_chosen_positions_equals_the_full_forward_pass(gpt):
    idx = torch.randint(0, gpt.config.vocab_size, (3, 17))
    last = torch.tensor([16, 4, 9])
    want = gpt(idx).logits[torch.arange(3), last]
    got = gpt(idx, positions=last).logits[:, 0]
    torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-5)


def test_inputs_embeds_equal_token_ids_and_gxi_needs_no_copy_of_the_model(gpt):
    idx = torch.randint(0, gpt.config.vocab_size, (2, 9))
    torch.testing.assert_close(gpt(inputs_embeds=gpt.transformer.wte(idx)).logits, gpt(idx).logits)
    before = {k: v.clone() for k, v in gpt.state_dict().items()}
    attention, gxi = gpt_views(gpt, [5, 17, 99], eot_id=0, target=7)
    assert attention.shape == gxi.shape == (3,) and np.isfinite(gxi).all()
    assert not gpt.transformer.wte._forward_hooks  # nothing hooked onto the shared model
    assert all(torch.equal(v, gpt.state_dict()[k]) for k, v in before.items())


def test_gpt_function_drops_hidden_tokens_and_starts_with_endoftext(gpt):
    tok = load_tokenizer()
    ids = tok.encode("To be, or not to be")
    f = gpt_function(gpt, tok.eot_id, target=5)
    hidden = [t if i % 2 else -1 for i, t in enumerate(ids)]
    kept = [tok.eot_id] + [t for t in hidden if t >= 0]
    want = torch.log_softmax(gpt(torch.tensor([kept])).logits[0, -1].double(), -1)[5]
    got = f(np.array([ids, hidden]))
    assert got[1] == pytest.approx(float(want), abs=1e-5)
    assert got[0] != pytest.approx(got[1])


def test_gpt_explanation_is_additive_and_explains_the_greedy_token(gpt):
    tok = load_tokenizer()
    e = explain_gpt(gpt, tok, TEXT, max_evals=200)
    check_additive(e)
    ids = tok.encode(TEXT)
    greedy = int(gpt(torch.tensor([[tok.eot_id] + ids])).logits[0, -1].argmax())
    assert e.target == tok.decode([greedy]) and len(e.tokens) == len(ids)
    assert "".join(e.tokens) == TEXT
    assert set(e.spearman) == {"attention", "grad_x_input"}


def test_gpt_explanation_of_a_chosen_token_and_its_log_prob(gpt):
    tok = load_tokenizer()
    e = explain_gpt(gpt, tok, TEXT, target=" is", max_evals=100)
    check_additive(e)
    ids = [tok.eot_id] + tok.encode(TEXT)
    want = torch.log_softmax(gpt(torch.tensor([ids])).logits[0, -1].double(), -1)
    assert e.output == pytest.approx(float(want[tok.encode(" is")[0]]), abs=1e-5)
    with pytest.raises(ValueError, match="one token"):
        explain_gpt(gpt, tok, TEXT, target=" Juliet's nurse")


def test_one_token_is_exact_and_long_text_is_cut_with_a_note(gpt):
    tok = load_tokenizer()
    one = explain_gpt(gpt, tok, "Romeo")
    check_additive(one)
    assert one.tokens == ["Romeo"] or len(one.tokens) == len(tok.encode("Romeo"))
    long = explain_gpt(gpt, tok, "word " * 5000, max_evals=60)
    check_additive(long)
    assert len(long.tokens) == gpt.config.block_size - 1
    assert long.cut and long.n_tokens_in > 127 and not one.cut


def test_json_has_the_promised_keys(gpt):
    e = explain_gpt(gpt, load_tokenizer(), "To be, or not", max_evals=60)
    out = json.loads(json.dumps(e.to_json()))
    assert JSON_KEYS <= set(out) and out["additivity_error"] < 1e-3
    assert len(out["tokens"]) == len(out["values"])


def test_text_plot_escapes_tokens_and_needs_no_outside_url(gpt):
    e = explain_gpt(gpt, load_tokenizer(), "<script>alert('x')</script> & <b>", max_evals=60)
    page = text_plot_html(e)
    assert "<script>alert" not in page and "<b>" not in page
    assert "&lt;" in page and "&amp;" in page
    assert not re.search(r"(src|href)\s*=\s*[\"']?\s*(https?:)?//", page)
    assert not re.search(r"https?://", page)


def test_rank_agreement_is_scipys_spearman_and_none_when_undefined():
    from scipy.stats import spearmanr

    a, b = [0.3, -0.1, 0.2, 0.05], [1.0, 0.2, -0.5, 0.1]
    assert rank_agreement(a, b) == pytest.approx(spearmanr(np.abs(a), np.abs(b)).statistic,
                                                 abs=1e-4)
    assert rank_agreement([0.1, 0.2], [0.3, 0.4]) is None
    assert rank_agreement([0.1, 0.1, 0.1], [1, 2, 3]) is None


def test_cli_explain_json_and_errors(capsys):
    assert main(["explain", "--text", "To be, or not to be", "--model", "gpt",
                 "--max-evals", "60", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert JSON_KEYS <= set(out)
    assert abs(out["base_value"] + sum(out["values"]) - out["output"]) < 1e-3
    assert main(["explain", "--text", "  ", "--model", "gpt"]) == 2
    assert "empty" in capsys.readouterr().err


# ----------------------------------------------------------------------------- classifier


@pytest.mark.slow
def test_classifier_explanation_is_additive_for_predicted_and_chosen_genre(classifier):
    text = "If music be the food of love, play on;\nGive me excess of it"
    e = explain_classifier(classifier, text, max_evals=60)
    check_additive(e)
    probs = classifier.predict_proba([text])[0]
    assert e.target == classifier.labels[int(probs.argmax())]
    assert e.output == pytest.approx(probs.max(), abs=1e-5)
    other = explain_classifier(classifier, text, target="history", max_evals=40)
    check_additive(other)
    assert other.output == pytest.approx(probs[classifier.labels.index("history")], abs=1e-5)
    with pytest.raises(ValueError, match="one of"):
        explain_classifier(classifier, text, target="romance")


@pytest.mark.slow
def test_classifier_bad_inputs(classifier):
    one = explain_classifier(classifier, "Romeo")
    check_additive(one)
    emoji = explain_classifier(classifier, "🎭 my lord 🎭", max_evals=20)
    check_additive(emoji)
    long = explain_classifier(classifier, "word " * 5000, max_evals=20)
    assert len(long.tokens) == 126 and long.cut and long.n_tokens_in > 126
    with pytest.raises(ValueError, match="no tokens"):
        explain_classifier(classifier, "\u200b")
