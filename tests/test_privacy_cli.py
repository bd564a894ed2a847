"""``lmlab privacy``: the JSON it prints and the errors it gives.

Checks: ``lmlab privacy --json --parts canary`` prints the issue's canary schema (insertions 0,
1, 4, 16 without DP, then DP runs with ε, δ = 1e-5 and perplexity) and the exposure it computes
from the shipped models equals the one recorded when they were built; a wrong ``--parts`` is
a usage error (exit 2, one line on stderr); the human-readable report names every part it ran.
About 20 s on 2 cores.

Run:  python -m pytest tests/test_privacy_cli.py -q
"""

import json

from lmlab.cli import main
from lmlab.cli.privacy import human
from lmlab.privacy import canary as cn


def test_privacy_json_prints_the_canary_schema(capsys):
    assert main(["privacy", "--json", "--parts", "canary"]) == 0
    out = json.loads(capsys.readouterr().out)
    rows = out["canary"]
    plain = [r for r in rows if not r["dp"]]
    assert [r["insertions"] for r in plain] == [0, 1, 4, 16]
    for r in rows:
        assert {"insertions", "exposure", "dp"} <= set(r) and 0 <= r["exposure"] <= 13.2878
        if r["dp"]:
            assert r["delta"] == 1e-5 and r["epsilon"] > 0 and r["perplexity"] > 1
    recorded = {(s.insertions, s.dp, s.noise_multiplier): cn.load_run(s)[1] for s in cn.RUNS}
    for r in rows:
        facts = recorded[(r["insertions"], r["dp"], r.get("noise_multiplier", 0.0))]
        assert r["exposure"] == facts["exposure"] and r["rank"] == facts["rank"]
    assert "seconds" in out


def test_wrong_parts_is_a_usage_error(capsys):
    assert main(["privacy", "--parts", "secrets"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lmlab privacy: error: --parts takes") and err.count("\n") == 1


def test_the_human_report_names_each_part():
    report = {"memorization": {"prefix_tokens": 8, "continuation_tokens": 4,
                               "train": {"lines": 2, "verbatim": 0.5}, "heldout": {"lines": 2, "verbatim": 0.0}},
              "membership": {"auc": 0.7, "calibrated_auc": 0.6, "reference": "x", "members": 2,
                             "nonmembers": 2},
              "canary": [{"insertions": 16, "dp": True, "epsilon": 1.8, "rank": 9, "exposure": 10.1,
                          "perplexity": 400}],
              "extraction": {"verbatim_share": 0.1, "samples": 10, "match_tokens": 12,
                             "precision": {}}}
    text = human(report)
    for word in ("memorisation", "membership", "canary x16, DP", "extraction"):
        assert word in text


def test_train_canaries_calls_the_builder_with_the_output_folder(monkeypatch, tmp_path, capsys):
    import lmlab.privacy.canary_train as ct

    seen = {}
    monkeypatch.setattr(ct, "build_all", lambda root, progress=None: seen.setdefault("root", root) and [])
    assert main(["privacy", "train-canaries", "--out", str(tmp_path), "--json"]) == 0
    assert seen["root"] == tmp_path and json.loads(capsys.readouterr().out) == []
