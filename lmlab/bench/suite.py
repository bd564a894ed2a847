"""The benchmarks by name, each imported only when it runs (``lmlab bench ngram`` needs no gradio).

Command: ``lmlab bench NAME --json``.
"""

from __future__ import annotations

from collections.abc import Callable


def bench_train() -> list[dict]:
    from lmlab.bench.gpt import bench_train as run
    from lmlab.bench.gpt import bench_train_bf16

    return run() + bench_train_bf16()


def bench_generate() -> list[dict]:
    from lmlab.bench.gpt import bench_generate as run

    return run()


def bench_ngram() -> list[dict]:
    from lmlab.bench.ngram import bench_ngram as run

    return run()


def bench_app() -> list[dict]:
    """30 students for 120 s, then 60 s more while one client floods the heaviest event, then
    two students train while the rest click, then Stop in the Generate tab (the server idle)."""
    from lmlab.bench.app import bench_app as run
    from lmlab.bench.flood import flood_rows, run_flood
    from lmlab.bench.stop import stop_scenario
    from lmlab.bench.train_load import training_scenario

    def flood(url, clients, duration_s, seed, pid):
        return flood_rows(run_flood(url, duration_s=60, pid=pid))

    return run(scenarios=(flood, training_scenario, stop_scenario))


def bench_quantize() -> list[dict]:
    from lmlab.bench.compress import bench_quantize as run

    return run()


def bench_prune() -> list[dict]:
    from lmlab.bench.compress import bench_prune as run

    return run()


def bench_distill() -> list[dict]:
    from lmlab.bench.compress import bench_distill as run

    return run()


BENCHES: dict[str, Callable[[], list[dict]]] = {
    "app": bench_app, "train": bench_train, "ngram": bench_ngram, "generate": bench_generate}
BENCHES |= {"quantize": bench_quantize, "prune": bench_prune, "distill": bench_distill}


def bench_stop() -> list[dict]:
    from lmlab.bench.stop import bench_stop as run

    return run()


BENCHES["stop"] = bench_stop
