"""The examples in lmlab's docstrings run and print what they say (every module, so a new
example is checked without new code).

Run: python -m pytest tests/test_doctests.py
"""

import doctest
import importlib
import pkgutil

import pytest

import lmlab

MODULES = sorted(m.name for m in pkgutil.walk_packages(lmlab.__path__, "lmlab."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


def test_the_package_has_examples():
    finder = doctest.DocTestFinder()
    examples = sum(len(t.examples) for n in MODULES
                   for t in finder.find(importlib.import_module(n)))
    assert examples >= 20
