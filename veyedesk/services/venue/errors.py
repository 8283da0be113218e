"""Errors of venue copies, sync and change files (each says what to do)."""

from veyedesk.services.errors import ServiceError


class VenueError(ServiceError):
    """A venue copy, a sync or a change file cannot be used as asked; nothing was written."""


class PasswordNeeded(VenueError):
    """The shared database refused the copy's URL for lack of a password, or a wrong one.

    A venue copy never stores that password: File ▸ Sync asks for it (`sync(password=…)`),
    the CLI takes PGPASSWORD or the whole URL with --from. `wrong` tells the two apart.
    """

    def __init__(self, message: str, *, user: str = "", wrong: bool = False) -> None:
        super().__init__(message)
        self.user, self.wrong = user, wrong
