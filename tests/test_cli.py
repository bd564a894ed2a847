"""The ``lmlab`` command: bad input gives one line on stderr and a non-zero exit, never a
traceback; good input prints what it promises; nothing can be written under assets/.

Run: python -m pytest tests/test_cli.py
"""

import json
import subprocess
import sys

import pytest

from lmlab import ASSETS_DIR
from lmlab.cli import main


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "lmlab.cli", *args], capture_output=True,
                          text=True, timeout=300)


@pytest.mark.parametrize("args, message", [
    (["--prompt", ""], "empty"),
    (["--prompt", "a " * 400], "reads at most 128"),
    (["--prompt", "x", "--max-new-tokens", "0"], "max-new-tokens"),
    (["--prompt", "x", "--temperature", "-1"], "temperature"),
    (["--prompt", "x", "--top-p", "0"], "top-p"),
    (["--prompt", "x", "--top-p", "1.5"], "top-p"),
    (["--prompt", "x", "--max-new-tokens", "1000000"], "max-new-tokens"),
    (["--prompt", "x", "--model", "/no/such/folder"], "does not exist"),
])
def test_bad_generate_input_is_one_line_and_exit_2(args, message, capsys):
    assert main(["generate", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err


def test_unseen_characters_are_accepted_with_a_warning_on_stderr(capsys):
    assert main(["generate", "--prompt", "生存还是毁灭", "--max-new-tokens", "3", "--seed", "0"]) == 0
    out = capsys.readouterr()
    assert out.out.startswith("生存还是毁灭")
    assert "warning" in out.err and "English Shakespeare" in out.err and "100%" in out.err


@pytest.mark.parametrize("args, message", [(["-k", "0"], "-k"),
                                           (["--max-new-tokens", "0"], "max-new-tokens")])
def test_ngram_refuses_zero_candidates_or_tokens(args, message, capsys):
    assert main(["ngram", "--prompt", "ROMEO.", *args]) == 2
    assert message in capsys.readouterr().err


def test_pickle_only_checkpoint_is_refused_from_the_command_line(tmp_path, capsys):
    (tmp_path / "pytorch_model.bin").write_bytes(b"not really a pickle")
    (tmp_path / "config.json").write_text("{}")
    assert main(["generate", "--prompt", "x", "--model", str(tmp_path)]) == 2
    assert "pickle" in capsys.readouterr().err


def test_greedy_generate_prints_the_prompt_and_a_continuation():
    out = run_cli("generate", "--prompt", "ROMEO.", "--temperature", "0",
                  "--max-new-tokens", "20")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("ROMEO.") and len(out.stdout) > len("ROMEO.") + 5


def test_generate_json_is_deterministic_with_a_seed(capsys):
    args = ["generate", "--prompt", "JULIET.", "--seed", "3", "--max-new-tokens", "15", "--json"]
    assert main(args) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out) == first
    assert len(first["new_ids"]) == 15


def test_train_refuses_to_write_under_assets(capsys):
    before = {p: p.stat().st_mtime for p in ASSETS_DIR.rglob("*") if p.is_file()}
    assert main(["train", "--out", str(ASSETS_DIR / "shakespeare-gpt"), "--steps", "1"]) == 2
    assert "under assets/" in capsys.readouterr().err
    assert before == {p: p.stat().st_mtime for p in ASSETS_DIR.rglob("*") if p.is_file()}


def test_quantize_reports_size_and_perplexity_per_width(capsys):
    assert main(["quantize", "--bits", "8", "2", "--tokens", "3000", "--json"]) == 0
    rows = {r["bits"]: r for r in json.loads(capsys.readouterr().out)["rows"]}
    assert rows[8]["matrix_bytes"] < rows[32]["matrix_bytes"] / 3.8  # 1 byte + scales vs 4
    assert 0 < rows[8]["max_weight_error"] < 0.01
    assert rows[8]["val_perplexity"] == pytest.approx(rows[32]["val_perplexity"], rel=0.01)
    assert rows[2]["val_perplexity"] > 2 * rows[32]["val_perplexity"]  # 3 levels: it breaks


@pytest.mark.parametrize("args, message", [(["--bits", "1"], "--bits"),
                                           (["--tokens", "1"], "--tokens")])
def test_bad_quantize_input_is_one_line_and_exit_2(args, message, capsys):
    assert main(["quantize", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_ngram_rejects_an_order_outside_1_to_5(capsys):
    assert main(["ngram", "--order", "6"]) == 2
    assert "order" in capsys.readouterr().err


@pytest.mark.slow
def test_eval_json_reports_gpt_and_ngram_perplexities_on_the_same_tokens():
    out = run_cli("eval", "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["gpt"]["val"]["tokens"] > 100_000
    kn = report["ngram"]["kneser_ney/3"]["val"]
    assert 20 < kn < 200 and report["ngram"]["mle/3"]["val"] == "inf"
    assert report["best_ngram"]["model"].startswith("kneser_ney")
    clf = report["classifier"]  # issue 6: held-out plays, computed now
    assert clf["macro_f1"] > clf["majority_accuracy"] + 0.1
    assert sum(map(sum, clf["confusion_matrix"])) == clf["n_passages"]


def test_ngram_prints_perplexities_as_words_not_a_dict(capsys):
    assert main(["ngram", "--order", "1", "--smoothing", "laplace"]) == 0
    line = capsys.readouterr().out.splitlines()[0]
    assert "{" not in line and "val " in line and "test " in line
