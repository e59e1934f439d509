"""``python -m fashionclasstic``: see :mod:`fashionclasstic.cli`."""

import sys

from fashionclasstic.cli import main

sys.exit(main())
