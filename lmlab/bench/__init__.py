"""Benchmarks, the load test and the app's endpoint walker: tools, not lessons.

Command: ``lmlab bench NAME --json`` (``lmlab.bench.suite.BENCHES`` lists the names).  Nothing in
``app.py``, ``lmlab/ui`` or a lesson imports this package (tests/test_layout.py checks it).

- ``lmlab.bench.common``     one JSON row per comparison; interleaved repetitions
- ``lmlab.bench.gpt``        training and generation against transformers
- ``lmlab.bench.ngram``      n-gram fit and perplexity against nltk.lm
- ``lmlab.bench.app``        30 simulated students against a running app
- ``lmlab.bench.first_use``  the first minutes of a class: every setting opened at once
- ``lmlab.bench.flood``      the same while one client floods the heaviest event
- ``lmlab.bench.train_load`` two students train in the Train tab while 28 others click
- ``lmlab.bench.stop``       Generate's Stop: how soon a 400-token run ends after the cancel
- ``lmlab.bench.endpoints``  the app's API, started, walked and called (load and hostile-input tests)
- ``lmlab.bench.suite``      the registry of benchmarks by name
- ``lmlab.bench.compress``   quantized, pruned, distilled and ONNX GPTs against float32
"""
