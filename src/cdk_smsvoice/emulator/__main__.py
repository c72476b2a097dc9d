"""``python -m cdk_smsvoice.emulator``: run the emulator until interrupted."""

import sys

from .cli import main

sys.exit(main())
