"""``python -m engine.docs [--check]``: write or check the reference manual (docs/reference/)."""

import sys

from engine.docs.generate import main

sys.exit(main())
