"""veyedesk: the desktop successor of Veyepar for conference video teams."""

__version__ = "0.1.0"
