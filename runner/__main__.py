"""``python -m runner``: the same as the ``runexp`` command."""

from runner.cli import main

main()
