"""``python -m lmlab``: the same as the ``lmlab`` command (tool)."""

from lmlab.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
