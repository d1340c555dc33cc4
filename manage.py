"""CashPilot administration: ``python manage.py --help``."""

import sys

from chalicelib.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
