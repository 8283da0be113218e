"""Qt-free wrapper over python-mpv: one timeline across raw files, seeks, shuttle, filters."""

from veyedesk.player.engine import Player
from veyedesk.player.libmpv import PlayerError, PlayerUnavailable
from veyedesk.player.timeline import Location, Segment, Source, Timeline

__all__ = [
    "Location",
    "Player",
    "PlayerError",
    "PlayerUnavailable",
    "Segment",
    "Source",
    "Timeline",
]
