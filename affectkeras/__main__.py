"""``python -m affectkeras`` is the ``affectkeras`` command."""

import sys

from affectkeras.cli.main import main

sys.exit(main())
