"""The project's promises about itself: requirements.txt in step with pyproject, the Space's
front matter matching the pinned gradio, .ci/run running the README's test command.

Run: python -m pytest tests/test_packaging.py
"""

import re
import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_requirements_txt_has_the_same_pins_as_pyproject():
    reqs = [ln.strip() for ln in (ROOT / "requirements.txt").read_text().splitlines()
            if ln.strip() and not ln.startswith("#")]
    assert reqs == pyproject()["project"]["dependencies"]
    assert all("==" in r for r in reqs)


def test_space_front_matter_matches_the_pinned_gradio():
    readme = (ROOT / "README.md").read_text()
    front = readme.split("---")[1]
    pinned = next(d for d in pyproject()["project"]["dependencies"] if d.startswith("gradio=="))
    assert f"sdk_version: {pinned.split('==')[1]}" in front
    assert 'python_version: "3.11"' in front and "app_file: app.py" in front


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- test-command -->\s*```bash\n(.*?)\n```", readme, re.S).group(1)
    awk = re.search(r"test_command=\$\((.*)\)\n", (ROOT / ".ci/run").read_text()).group(1)
    extracted = subprocess.run(["bash", "-c", awk], cwd=ROOT, capture_output=True, text=True)
    assert extracted.stdout.strip() == block.strip()
    assert "pytest" in block


def test_shipped_files_are_small_enough_for_the_repo():
    for path in (ROOT / "assets").rglob("*"):
        if path.is_file():
            assert path.stat().st_size <= 20 * 2**20, path
