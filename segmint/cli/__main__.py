"""``python -m segmint.cli``: the same as the ``segmint`` command."""

from segmint.cli.main import run

run()
