"""The one error type of the command line, kept free of imports so that parsing and dispatch load nothing else."""

from __future__ import annotations


class CliError(Exception):
    """A mistake the user can fix: printed as one ``error:`` line naming the flag to use; exit code 2."""
