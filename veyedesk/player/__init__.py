"""Qt-free wrapper over python-mpv: one timeline across raw files, seeks, shuttle, filters."""

from veyedesk.player.engine import Player, PlayerError
from veyedesk.player.timeline import Location, Segment, Source, Timeline

__all__ = ["Location", "Player", "PlayerError", "Segment", "Source", "Timeline"]
