"""``python -m danvan.nlp``: see :mod:`danvan.nlp.cli`."""

import sys

from .cli import main

sys.exit(main())
