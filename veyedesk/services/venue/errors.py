"""Errors of venue copies, sync and change files (each says what to do)."""

from veyedesk.services.errors import ServiceError


class VenueError(ServiceError):
    """A venue copy, a sync or a change file cannot be used as asked; nothing was written."""
