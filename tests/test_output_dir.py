"""One output-folder guard for every command that writes a model (``lmlab.checkpoint.
check_output_dir``): never the repository root, never under assets/ without
``--overwrite-shipped``, never a non-empty folder that is not a checkpoint of the same kind.
Each refusal happens before anything is written (files' times compared).

Run: python -m pytest tests/test_output_dir.py -q
"""

import json

import pytest

from lmlab import ASSETS_DIR
from lmlab.checkpoint import OutputFolderError, check_output_dir
from lmlab.cli import main

ROOT = ASSETS_DIR.parent


def snapshot(folder):
    return {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()
            and ".git" not in p.parts and "__pycache__" not in p.parts}


@pytest.mark.parametrize("command, out, message", [
    (["train", "--steps", "1"], ".", "the repository itself"),
    (["train", "--steps", "1"], str(ROOT), "the repository itself"),
    (["distill", "--steps", "1"], str(ROOT), "the repository itself"),
    (["finetune", "--epochs", "1"], str(ROOT), "the repository itself"),
    (["train", "--steps", "1"], str(ASSETS_DIR / "shakespeare-gpt"), "under assets/"),
    (["finetune", "--epochs", "1"], str(ASSETS_DIR / "shakespeare-gpt"), "under assets/"),
    (["finetune", "--epochs", "1"], str(ASSETS_DIR / "genre-classifier"), "under assets/"),
    (["distill", "--steps", "1"], str(ASSETS_DIR), "under assets/"),
])
def test_commands_refuse_the_repository_and_the_shipped_models(command, out, message, capsys,
                                                                monkeypatch):
    monkeypatch.chdir(ROOT)
    before = snapshot(ROOT)
    assert main([*command, "--out", out]) != 0
    assert message in capsys.readouterr().err
    assert snapshot(ROOT) == before


def test_a_non_empty_folder_that_is_no_checkpoint_is_refused(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("my notes")
    assert main(["train", "--steps", "1", "--out", str(tmp_path)]) != 0
    assert "not empty and holds no checkpoint" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_a_checkpoint_of_another_kind_is_refused(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"base_model": "MiniLM", "labels": ["a"]}))
    with pytest.raises(OutputFolderError, match="holds a genre classifier"):
        check_output_dir(tmp_path, "gpt")
    assert check_output_dir(tmp_path, "classifier") == tmp_path.resolve()


def test_new_empty_and_same_kind_folders_are_accepted(tmp_path):
    assert check_output_dir(tmp_path / "new", "gpt") == (tmp_path / "new").resolve()
    assert check_output_dir(tmp_path, "gpt") == tmp_path.resolve()  # empty
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "gpt2"}))
    (tmp_path / "README.md").write_text("card")
    assert check_output_dir(tmp_path, "gpt") == tmp_path.resolve()  # a checkpoint: resumable


def test_overwrite_shipped_allows_assets_but_never_the_root():
    shipped = ASSETS_DIR / "shakespeare-gpt"
    assert check_output_dir(shipped, "gpt", overwrite_shipped=True) == shipped.resolve()
    with pytest.raises(OutputFolderError, match="repository itself"):
        check_output_dir(ROOT, "gpt", overwrite_shipped=True)
    with pytest.raises(OutputFolderError, match="holds a GPT checkpoint"):
        check_output_dir(shipped, "classifier", overwrite_shipped=True)
