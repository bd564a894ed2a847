"""``lmlab bench stop``'s measurement against the session's app: Stop ends the run, and nothing
is written after it (the seconds are the benchmark's to report, not asserted here)."""

import time

import pytest


@pytest.mark.slow
def test_a_cancelled_run_writes_no_token_after_the_cancel(app_server, monkeypatch):
    import lmlab.ui.generate as generate
    from lmlab.bench.stop import one_stop, stop_rows

    fast = generate.generate_stream

    def slow(*args, **kwargs):  # 400 tokens take 8 s or more: the run cannot end by itself first
        for step in fast(*args, **kwargs):
            time.sleep(0.02)
            yield step

    monkeypatch.setattr(generate, "generate_stream", slow)
    got = one_stop(app_server.url, after_s=0.5, settle_s=1.0)
    assert 0 < got["tokens_at_stop"] < 400
    assert got["tokens_after_stop"] == 0
    assert got["stop_s"] > 0 and got["figures_s"] > 0
    rows = stop_rows(app_server.url, tries=1)
    assert [r["bench"] for r in rows] == ["stop"] * 3 and rows[2]["ours"] == 0
