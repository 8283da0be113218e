"""The episode states of Veyepar's seed, in workflow order, and the channelcopy codes."""

from __future__ import annotations

# (slug, description) in the order the seed creates them; `sequence` is the 1-based index.
SEED_STATES: tuple[tuple[str, str], ...] = (
    ("borked", "Something went wrong; needs a person to look at it"),
    ("edit", "Set the cuts: find where the talk starts and ends in the raw files"),
    ("encode", "Queued for encoding"),
    ("push to queue", "Copy the encode to the upload queue"),
    ("post", "Upload to the hosting site"),
    ("richard", "Publish the metadata to the video index"),
    ("review 1", "First review of the encode"),
    ("email", "Mail the speakers a link to review"),
    ("review 2", "Second review (speakers' feedback)"),
    ("make public", "Make the upload public"),
    ("tweet", "Announce the talk"),
    ("to-miror", "Copy to the mirror"),
    ("conf", "Update the conference site with the video link"),
    ("done", "Finished"),
)

STATE_SLUGS: tuple[str, ...] = tuple(slug for slug, _ in SEED_STATES)

CHANNELCOPY: dict[str, str] = {
    "00": "leave both channels as recorded",
    "m": "mono: mix both channels to both",
    "01": "copy left to right",
    "10": "copy right to left",
}

ROLES: tuple[str, ...] = ("admin", "editor", "reviewer")
