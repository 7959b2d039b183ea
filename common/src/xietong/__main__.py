"""``python -m xietong`` is the ``xietong`` command (useful where the venv's bin/ is not on PATH)."""

from xietong.cli import main

main()
