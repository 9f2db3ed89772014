"""The one error type.  Anything raised as GuardError ends the run with its
message on one line and exit code 2 (usage, configuration or input error)."""
from __future__ import annotations


class GuardError(Exception):
    """A problem with what the user gave us: a bad ref, a malformed diff, an
    invalid config.  The message names what is wrong and where."""

    exit_code = 2
