"""A show's pipeline as data: what kind each state is, which states are public, hold reasons.

Pure rules (no SQLAlchemy): the defaults a show gets until an admin changes a state with
`veyedesk pipeline set`, shared by the queue (which walks pass states), the services and
the Pipeline view.
"""

from __future__ import annotations

from enum import StrEnum


class StateKind(StrEnum):
    """What happens to a talk that enters a state of a show."""

    PERSON = "person"  # someone moves it on (edit, review 1, review 2)
    COMMAND = "command"  # a worker runs the state's command template
    PASS = "pass"  # nothing to do: it moves straight on to the next state (logged)
    ENCODE = "encode"  # a worker encodes it (only the encode state)
    PUBLISH = "publish"  # a worker publishes it to the show's targets (PublishAction)


class PublishAction(StrEnum):
    """What a publish state does on its targets."""

    UPLOAD = "upload"  # upload unlisted to the video targets (Veyepar's *post*)
    PUBLIC = "public"  # make the uploads public (*make public*)
    ANNOUNCE = "announce"  # post an announcement with the public URL (*tweet*)
    REMOVE = "remove"  # take the talk down everywhere


class HoldReason(StrEnum):
    """Why a talk stopped before a public state instead of entering it."""

    REFUSED = "refused"  # released = No: it never enters a public state
    WAITING = "waiting"  # released = Unknown: it continues when someone sets Yes

    def describe(self) -> str:
        """The status line the list, the form and the CLI show."""
        if self is HoldReason.REFUSED:
            return "speaker refused release"
        return "waiting for the speaker's release"


ENCODE_STATE = "encode"
REVIEW_2_STATE = "review 2"
# Someone moves these on; states with no command and no person pass straight through.
DEFAULT_PERSON_STATES: frozenset[str] = frozenset({"borked", "edit", "review 1", "review 2"})
# A talk whose speaker said No never enters these; Unknown waits before the first one.
# *post* is not one: as in Veyepar it uploads unlisted, and the video becomes public only
# at *make public*. Counting it public stopped every Unknown talk in *push to queue*,
# before *review 1*, so nobody could review it (issue 19).
DEFAULT_PUBLIC_STATES: frozenset[str] = frozenset({"make public", "tweet", "to-miror", "conf"})
# The settable kinds (encode belongs to the encode state alone).
SETTABLE_KINDS: tuple[StateKind, ...] = (
    StateKind.PERSON,
    StateKind.PASS,
    StateKind.COMMAND,
    StateKind.PUBLISH,
)
# Veyepar's publishing, for shows that have publish targets (others keep these states
# passing, exactly as before targets existed).
DEFAULT_PUBLISH_ACTIONS: dict[str, PublishAction] = {
    "post": PublishAction.UPLOAD,
    "make public": PublishAction.PUBLIC,
    "tweet": PublishAction.ANNOUNCE,
}
# The job profile of a depublish (no state runs it: released went to No).
DEPUBLISH_PROFILE = "(depublish)"


def default_kind(slug: str, command: str | None, has_targets: bool = False) -> StateKind:
    """The kind a state has in a show that never changed it.

    A command set the old, global way (`veyedesk state command`) still makes it a command
    state, so databases from before per-show pipelines keep working.
    """
    if slug == ENCODE_STATE:
        return StateKind.ENCODE
    if command:
        return StateKind.COMMAND
    if has_targets and slug in DEFAULT_PUBLISH_ACTIONS:
        return StateKind.PUBLISH
    if slug in DEFAULT_PERSON_STATES:
        return StateKind.PERSON
    return StateKind.PASS


def release_hold(released: bool | None, unknown_publishes: bool) -> HoldReason | None:
    """Why a talk with this `released` may not enter a public state now (None: it may)."""
    if released is False:
        return HoldReason.REFUSED
    if released is None and not unknown_publishes:
        return HoldReason.WAITING
    return None
