"""CashPilot administration: ``python manage.py --help``."""

from chalicelib.cli.main import run

if __name__ == "__main__":
    run()
