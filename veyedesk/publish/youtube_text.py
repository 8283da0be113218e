"""What YouTube accepts as text: titles, descriptions, tags, licence and dates, within its
limits (a part of `youtube.py`'s publisher, kept apart so each module reads on its own)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from veyedesk.publish.base import (
    Metadata,
    Privacy,
)

TITLE_LIMIT = 100  # characters
DESCRIPTION_LIMIT = 5000  # bytes of UTF-8
TAGS_LIMIT = 500  # characters, as YouTube counts them (see _tags_length)
ELLIPSIS = "…"
DEFAULT_CATEGORY = "28"  # Science & Technology


# --- text YouTube accepts ----------------------------------------------------------------


def clean_text(text: str) -> str:
    """`text` without the angle brackets YouTube refuses (look-alike quotation marks)."""
    return text.replace("<", "\u2039").replace(">", "\u203a")


def youtube_title(title: str, fallback: str = "") -> str:
    """A title YouTube accepts: no < or >, one line, at most 100 characters, not empty."""
    text = " ".join(clean_text(title).split()) or " ".join(clean_text(fallback).split())
    text = text or "Untitled talk"
    if len(text) > TITLE_LIMIT:
        text = text[: TITLE_LIMIT - 1].rstrip() + ELLIPSIS
    return text


def youtube_description(text: str) -> str:
    """A description YouTube accepts: no < or >, at most 5000 bytes of UTF-8.

    A long one is cut at the last line (or else word) boundary that keeps most of it, so a
    chapter list or URL is not left half written.
    """
    text = clean_text(text)
    data = text.encode("utf-8")
    if len(data) <= DESCRIPTION_LIMIT:
        return text
    room = DESCRIPTION_LIMIT - len(ELLIPSIS.encode("utf-8"))
    cut = data[:room].decode("utf-8", errors="ignore")
    for sep in ("\n", " "):
        at = cut.rfind(sep)
        if at >= room * 0.8:
            cut = cut[:at]
            break
    return cut.rstrip() + ELLIPSIS


def uuid_tag(uuid: str) -> str:
    """The tag that marks a talk's upload: one search token (no dashes)."""
    return "vd" + uuid.replace("-", "").lower()


def _tags_length(tags: list[str]) -> int:
    # YouTube counts a tag with a space as if quoted, and the commas between tags.
    return sum(len(t) + (2 if " " in t else 0) for t in tags) + max(len(tags) - 1, 0)


def youtube_tags(meta: Metadata) -> list[str]:
    """The uuid tag first, then the talk's tags (cleaned, deduplicated) while they fit."""
    tags = [uuid_tag(meta.uuid)] if meta.uuid else []
    seen = {t.lower() for t in tags}
    for raw in meta.tags:
        tag = " ".join(clean_text(raw).replace(",", " ").split())
        if not tag or tag.lower() in seen:
            continue
        if _tags_length([*tags, tag]) > TAGS_LIMIT:
            break
        tags.append(tag)
        seen.add(tag.lower())
    return tags


def youtube_licence(licence: str) -> str:
    """ "creativeCommon" for CC BY (no NC, ND or SA), else "youtube" (standard licence)."""
    words = re.split(r"[\s\-_/]+", licence.upper().strip())
    if words[:2] == ["CC", "BY"] and not {"NC", "ND", "SA"} & set(words):
        return "creativeCommon"
    return "youtube"


def parse_duration(text: str) -> float | None:
    """Seconds in an ISO 8601 duration ("PT1H2M3S", "P1DT2S"); None when absent or 0.

    YouTube says "PT0S" until it has processed the video: that is "not known yet".
    """
    match = re.fullmatch(
        r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?", text or ""
    )
    if not match:
        return None
    days, hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    total = ((days * 24 + hours) * 60 + minutes) * 60 + seconds
    return total or None


def recording_date(when: datetime) -> str:
    """RFC 3339 as YouTube takes it. A naive time is the venue's wall clock: it is sent as
    it is (marked Z), because YouTube shows only the day and the day must not shift."""
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when.strftime("%Y-%m-%dT%H:%M:%S") + "Z"


def video_resource(meta: Metadata, privacy: Privacy, category: str) -> dict[str, Any]:
    """The video resource sent with the upload: snippet, status, recordingDetails."""
    snippet: dict[str, Any] = {
        "title": youtube_title(meta.title, meta.slug),
        "description": youtube_description(meta.description),
        "tags": youtube_tags(meta),
        "categoryId": category,
    }
    if meta.language:
        snippet["defaultLanguage"] = meta.language
        snippet["defaultAudioLanguage"] = meta.language
    body: dict[str, Any] = {
        "snippet": snippet,
        "status": {
            "privacyStatus": privacy.value,
            "license": youtube_licence(meta.licence),
            "embeddable": True,
            # Talks are not made for children; saying so avoids YouTube's restrictions.
            "selfDeclaredMadeForKids": False,
        },
    }
    if meta.recorded is not None:
        body["recordingDetails"] = {"recordingDate": recording_date(meta.recorded)}
    return body
