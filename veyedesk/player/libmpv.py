"""python-mpv, imported in one place so a missing libmpv is one clear error, not a traceback.

python-mpv loads libmpv when it is imported (`ctypes.util.find_library("mpv")`, then
`ctypes.CDLL`) and raises a bare OSError (or RuntimeError for a too-old libmpv). Every
module that needs mpv imports it from here and gets `PlayerUnavailable` instead, which
the command line prints as one line; commands that play no video never import this.
"""

from __future__ import annotations

from veyedesk.errors import UserError

INSTALL_HINT = "install it (Debian/Ubuntu: sudo apt install libmpv2; Fedora: mpv-libs)"


class PlayerError(UserError, RuntimeError):
    """mpv could not start or open the files; the message says which and why."""


class PlayerUnavailable(PlayerError):
    """libmpv, the library that plays video, is missing or unusable on this machine."""


try:
    import mpv
except OSError as exc:
    raise PlayerUnavailable(
        f"libmpv (the video library veyedesk plays with) was not found or could not be "
        f"loaded; {INSTALL_HINT}, then start veyedesk again"
    ) from exc
except RuntimeError as exc:  # python-mpv refuses a libmpv older than API 1.108 (mpv 0.33)
    raise PlayerUnavailable(
        f"libmpv on this machine is too old for veyedesk (mpv 0.33 or newer is needed); "
        f"{INSTALL_HINT}, then start veyedesk again"
    ) from exc

__all__ = ["INSTALL_HINT", "PlayerError", "PlayerUnavailable", "mpv"]
