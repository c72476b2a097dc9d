"""``python -m cdk_smsvoice.local deploy|destroy|status``."""

import sys

from .cli import main

sys.exit(main())
