"""Command line for administration and local runs (``python manage.py --help``). Never imported by Lambda."""
