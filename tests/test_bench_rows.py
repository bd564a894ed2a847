"""``lmlab bench app``'s rows from a run's numbers: what counts as an error, what a long stream
is measured by (no server started here)."""

from lmlab.bench.app import refusal, rows


def test_a_sentence_to_bad_input_is_a_refusal_and_anything_else_a_failure():
    assert refusal("AppError: The code must be exactly four digits, 0000 to 9999 (you typed 'x').")
    assert not refusal("AppError: Error")  # gradio's word for a crash (show_error off)
    assert not refusal("AppError: None")
    assert not refusal("TimeoutError: timed out")
    assert not refusal("ConnectError: [Errno 111] Connection refused")


def _result(**endpoints) -> dict:
    return {"clients": 30, "endpoints": endpoints, "requests": 100, "errors": 1, "refused": 9,
            "duration_s": 120, "loadavg_before": [0, 0, 0], "loadavg_after": [0, 0, 0],
            "first_use_calls": 50, "first_use_errors": [], "first_use_refused": ["a", "b"],
            "first_use_s": 10.0, "rss_after_pct_of_before": 101.0, "rss_mb_cold": 1,
            "rss_mb_before": 1, "rss_mb_after": 1, "rss_mb_every_5s": []}


def test_errors_count_failures_and_a_long_stream_is_measured_by_its_first_output():
    live = {"n": 3, "errors": 0, "refused": 0, "p50_s": 30.0, "p95_s": 35.0, "max_s": 35.0,
            "first_output_p50_s": 1.0, "first_output_p95_s": 1.5, "messages": [], "refusals": []}
    click = live | {"p95_s": 0.4, "first_output_p95_s": 0.1}
    got = {r["metric"]: r for r in rows(_result(**{"/compress_live": live, "/tokens": click}))}
    assert got["p95 first output s (compress_live, 30 clients)"]["ours"] == 1.5
    assert got["p95 latency s (tokens, 30 clients)"]["ours"] == 0.4
    share = next(r for m, r in got.items() if m.startswith("requests without error"))
    assert share["ours"] == 99.0 and share["refused"] == 9 and "9 answered bad input" in share["metric"]
    first = next(r for m, r in got.items() if m.startswith("first use"))
    assert first["ours"] == 100.0 and first["refused"] == 2
