"""The one base class for errors a user can act on.

Every layer raises its own subclass (a bad schedule, a missing raw file, a refused save),
with a message that names what is wrong and what to do. Front ends catch `UserError`
alone: the CLI prints the message on one line and exits 1, the GUI shows it in a dialog.
Anything else is a bug: the GUI writes its traceback to the log file.
"""

from __future__ import annotations


class UserError(Exception):
    """Base: a refusal or failure whose message tells the user what to do."""
