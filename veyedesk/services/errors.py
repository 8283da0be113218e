"""Typed errors whose message a user can act on (the CLI prints it, the GUI shows it)."""

from veyedesk.errors import UserError


class ServiceError(UserError):
    """Base: the operation was refused; nothing was written."""


class NotFound(ServiceError):
    """A client, show, room, episode, state or user named by the caller does not exist."""


class AlreadyExists(ServiceError):
    """Creating something whose slug or name is taken."""


class InvalidInput(ServiceError):
    """A value the caller gave cannot be used (bad role, bad timecode, impossible cut)."""


class AuthenticationFailed(ServiceError):
    """Wrong user name or password, or a login is required and none was given."""


class PermissionDenied(ServiceError):
    """The signed-in user's role does not allow this action."""


class Conflict(ServiceError):
    """Someone else changed the same record meanwhile (stale serial) or holds its lock."""
