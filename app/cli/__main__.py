"""``python -m app.cli``, as ``sopimus``."""

from app.cli import main

main()
