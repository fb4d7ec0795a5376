"""``python -m pipelines.cli``: the ``chorus`` command without the installed script."""

import sys

from pipelines.cli import app

sys.exit(app())
