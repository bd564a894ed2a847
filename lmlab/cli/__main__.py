"""``python -m lmlab.cli``: the ``lmlab`` command (tool)."""

from lmlab.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
