"""What each platform is told about a talk, composed once from its Episode.

`compose(episode, kind, ...)` gives a `Metadata` for one target kind: the title made by
the show's template (Veyepar's `"{title}" - {speakers} ({show})` unless the show has its
own) within the platform's length limit, the description as plain text (the abstract's
Markdown turned into text, speakers, conference URL, licence, chapters), tags within the
platform's rules, the language as ISO 639-1, the recording date, the talk's uuid and slug.
`announcement(meta, ...)` is the text of a Mastodon post about it, within 500 characters
counted as Mastodon counts them. The pieces it builds with are their own modules:
`plain.py` (clean values, cutting to a length), `markdown_text.py` (abstracts as text) and
`languages.py` (language codes).

This module reads model attributes only: it opens no session and spawns nothing. The
thumbnail is chosen by the caller: `own_thumbnail(episode, files_root)` is the talk's own
image, else `veyedesk.media.poster.choose_poster(encode, folder)` picks a frame of the
encode (publish may not import media: the layers are independent), and the result is
passed to `compose(..., thumbnail=...)`.

Text from schedules is hostile: quotes, braces, backslashes, emoji, right-to-left names,
control and bidi-override characters. Values are never parsed as templates (only the
show's template is), control and bidi-override characters are removed, and a value
holding right-to-left letters is wrapped in a first-strong isolate so the parentheses
and quotes around it stay where the template put them.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from veyedesk.config import Settings
from veyedesk.model import chapters as chapter_rules
from veyedesk.model.shared_files import OutsideRoot, resolve
from veyedesk.publish.base import VIDEO_KINDS, Chapter, Metadata, PublishError, TargetKind
from veyedesk.publish.languages import language_code
from veyedesk.publish.markdown_text import markdown_text
from veyedesk.publish.plain import (
    clean_line,
    fit,
    isolate,
    licence_url,
    speakers_of,
)

if TYPE_CHECKING:
    from veyedesk.model import Episode

# Veyepar's title for uploads.
DEFAULT_TEMPLATE = '"{title}" - {speakers} ({show})'
# What a post says unless the target has its own template.
DEFAULT_ANNOUNCEMENT = "{title} - {speakers} ({show})\n\n{url}"

PLACEHOLDERS = {
    "title": "the talk's title",
    "speakers": "the speakers, comma separated",
    "show": "the show's name",
    "room": "the room's name",
    "date": "the talk's date, e.g. 2026-02-01",
}
ANNOUNCEMENT_PLACEHOLDERS = {
    **PLACEHOLDERS,
    "url": "where the talk can be watched",
    "conf_url": "the talk's page on the conference site",
    "tags": "the talk's tags as hashtags",
}

# Title limits in characters. archive.org has no hard limit; 255 keeps item pages sane.
TITLE_LIMITS: Mapping[TargetKind, int] = {
    TargetKind.YOUTUBE: 100,
    TargetKind.PEERTUBE: 120,
    TargetKind.ARCHIVE: 255,
    TargetKind.VOCTOWEB: 255,
    TargetKind.RCLONE: 255,
    TargetKind.WEBHOOK: 255,
    TargetKind.MASTODON: 500,
}
# Description limits: YouTube counts 5000 bytes of UTF-8, PeerTube 10000 characters.
DESCRIPTION_BYTES: Mapping[TargetKind, int] = {TargetKind.YOUTUBE: 5000}
DESCRIPTION_CHARS: Mapping[TargetKind, int] = {TargetKind.PEERTUBE: 10000}

MASTODON_LIMIT = 500
MASTODON_URL_LENGTH = 23  # every link counts as 23 characters, whatever its length

_URL = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)


# ---------------------------------------------------------------- templates


def check_template(template: str, known: Mapping[str, str], where: str) -> None:
    """PublishError naming the first unknown placeholder or stray brace in `template`."""
    names = ", ".join("{" + n + "}" for n in known)
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise PublishError(
            f"{where}: {exc}; write {{{{ and }}}} for a literal brace, placeholders are {names}"
        ) from None
    for _literal, name, spec, conversion in parsed:
        if name is not None and (name not in known or spec or conversion):
            raise PublishError(f"{where}: unknown placeholder {{{name}}}; use one of {names}")


def _render(template: str, values: Mapping[str, str]) -> str:
    """`template` filled with `values`, without the decoration around a blank value.

    A blank placeholder takes its quotes, brackets and separator with it ('"{title}" -
    {speakers} ({show})' without speakers is '"{title}" ({show})'). Only the template is
    tidied, never the values: a title "print() and \"\"" keeps its brackets and quotes.
    """
    for name in re.findall(r"\{(\w+)\}", template):
        if values.get(name):
            continue
        ph = re.escape("{" + name + "}")
        template = re.sub(rf"[ \t]*[(\[]{ph}[)\]]", "", template)
        template = re.sub(rf'"{ph}"|“{ph}”|„{ph}“|\'{ph}\'', "{" + name + "}", template)
        template = re.sub(rf"[ \t]+[-–—:,|/·][ \t]+{ph}", "", template)
        template = re.sub(rf"{ph}[ \t]*[-–—:,|/·][ \t]+", "", template)
        template = template.replace("{" + name + "}", "")
    # format_map substitutes once: a title holding "{show}" stays literal text.
    text = template.format_map(values)
    return "\n".join(re.sub(r"[ \t]{2,}", " ", line).strip() for line in text.split("\n"))


def _strip_quotes(title: str) -> str:
    """A title that arrives already in quotes loses them (the template adds its own)."""
    for pair in ('""', "“”", "„“", "''", "«»"):
        if len(title) > 2 and title[0] == pair[0] and title[-1] == pair[1]:
            return title[1:-1].strip()
    return title


def _values(episode: Episode) -> dict[str, str]:
    start = episode.start
    room = episode.location.name if episode.location is not None else ""
    return {
        "title": isolate(_strip_quotes(clean_line(episode.name))),
        "speakers": isolate(", ".join(speakers_of(episode.authors))),
        "show": isolate(clean_line(episode.show.name)),
        "room": isolate(clean_line(room)),
        "date": start.date().isoformat() if start is not None else "",
    }


def compose_title(
    episode: Episode, limit: int, template: str | None = None, *, no_angles: bool = False
) -> str:
    """The talk's title by `template` within `limit` characters.

    When too long the talk's title is shortened first (the speakers and show stay
    readable), and only if that is not enough the whole line is cut.
    """
    template = template or DEFAULT_TEMPLATE
    check_template(template, PLACEHOLDERS, "title template")
    values = _values(episode)
    if no_angles:
        # YouTube refuses titles and descriptions holding < or >.
        values = {k: v.replace("<", "‹").replace(">", "›") for k, v in values.items()}
    text = _render(template, values)
    if len(text) <= limit:
        return text
    without = _render(template, {**values, "title": ""})
    room = limit - len(without)
    if "{title}" in template and room >= min(20, limit // 3):
        for cut in range(room, 0, -1):
            shorter = _render(template, {**values, "title": fit(values["title"], cut)})
            if len(shorter) <= limit:
                return shorter
    return fit(text, limit)


# ---------------------------------------------------------------- tags


def split_tags(*fields: str | None) -> list[str]:
    """Tags from comma-separated fields (show's first, then the talk's), once each."""
    seen: set[str] = set()
    out: list[str] = []
    for text in fields:
        for part in re.split(r"[,;\n]", text or ""):
            tag = clean_line(part).lstrip("#").strip()
            if tag and tag.casefold() not in seen:
                seen.add(tag.casefold())
                out.append(tag)
    return out


def tags_for(kind: TargetKind, tags: Sequence[str]) -> tuple[str, ...]:
    """The tags a platform accepts: PeerTube 5 of 2-30 characters, YouTube 500 in all."""
    if kind is TargetKind.PEERTUBE:
        return tuple([t for t in tags if 2 <= len(t) <= 30][:5])
    if kind is TargetKind.YOUTUBE:
        kept: list[str] = []
        used = 0
        for tag in tags:
            tag = tag.replace("<", "").replace(">", "")
            # YouTube counts a tag with a space with its quotes, and a comma between tags.
            cost = len(tag) + (2 if " " in tag else 0) + (1 if kept else 0)
            if tag and used + cost <= 500:
                kept.append(tag)
                used += cost
        return tuple(kept)
    return tuple(tags)


def hashtag(tag: str) -> str:
    """`tag` as a Mastodon hashtag (letters, digits and _ only), "" if nothing is left."""
    words = re.findall(r"\w+", tag)
    text = "".join(w[:1].upper() + w[1:] if i else w for i, w in enumerate(words))
    return f"#{text}" if text and not text.isdigit() else ""


# ---------------------------------------------------------------- the rest


def recorded_at(episode: Episode) -> datetime | None:
    """The talk's scheduled start, aware when its UTC offset or the show's zone is known."""
    start = episode.start
    if start is None:
        return None
    if episode.utc_offset_min is not None:
        return start.replace(tzinfo=timezone(timedelta(minutes=episode.utc_offset_min)))
    zone = (episode.show.timezone or "").strip()
    if zone:
        try:
            return start.replace(tzinfo=ZoneInfo(zone))
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return start  # naive: the venue's wall clock, zone unknown


def own_thumbnail(episode: Episode, files_root: str | Path) -> Path | None:
    """The talk's own thumbnail file when one is set and exists on this machine."""
    if not (episode.thumbnail or "").strip():
        return None
    try:
        path = resolve(episode.thumbnail, files_root)
    except OutsideRoot:
        return None
    return path if path.is_file() else None


def episode_chapters(
    episode: Episode, fps: float, title_seconds: float = 0.0, credits_seconds: float = 0.0
) -> tuple[Chapter, ...]:
    """The encode's chapters (model.chapters: the one rule) as publish chapters."""
    applied = episode.applied_cuts()
    if not applied or fps <= 0:
        return ()
    items = chapter_rules.chapters(
        [c.duration() for c in applied],
        [c.comment or "" for c in applied],
        fps,
        title_seconds,
        credits_seconds,
    )
    return tuple(Chapter(c.start, c.title) for c in items)


def chapters_worth_listing(items: Sequence[Chapter]) -> bool:
    """Two or more chapters, at least one named by the crew (not all "Part N")."""
    return len(items) >= 2 and any(not re.fullmatch(r"Part \d+", c.title) for c in items)


def chapter_lines(items: Sequence[Chapter]) -> str:
    """`0:00 Title` lines (YouTube's chapter format), one per chapter."""
    rows = [chapter_rules.Chapter(c.start, c.start, c.title) for c in items]
    return chapter_rules.youtube_text(rows).rstrip("\n")


def _fit_bytes(text: str, limit: int) -> str:
    while len(text.encode("utf-8")) > limit:
        over = len(text.encode("utf-8")) - limit
        text = fit(text, max(1, len(text) - max(1, over // 4) - 1))
    return text


def compose_description(
    abstract: str,
    *,
    subtitle: str = "",
    speakers: Sequence[str] = (),
    conf_url: str = "",
    licence: str = "",
    licence_link: str = "",
    chapters: Sequence[Chapter] = (),
    max_chars: int | None = None,
    max_bytes: int | None = None,
) -> str:
    """Plain-text description; when over a limit the abstract is shortened, not the rest."""
    tail: list[str] = []
    if speakers:
        tail.append(("Speaker: " if len(speakers) == 1 else "Speakers: ") + ", ".join(speakers))
    if conf_url:
        tail.append(conf_url)
    if licence:
        tail.append(f"Licence: {licence}" + (f" {licence_link}" if licence_link else ""))
    end = "\n".join(tail)
    if chapters_worth_listing(chapters):
        end += ("\n\n" if end else "") + "Chapters:\n" + chapter_lines(chapters)
    body = "\n\n".join(p for p in (clean_line(subtitle), markdown_text(abstract)) if p)

    def joined(text: str) -> str:
        return "\n\n".join(p for p in (text, end) if p)

    def size(text: str) -> int:
        return len(text.encode("utf-8")) if max_bytes is not None else len(text)

    limit = max_bytes if max_bytes is not None else max_chars
    full = joined(body)
    if limit is None or size(full) <= limit:
        return full
    room = limit - size(joined("")) - 2
    if room > 40:
        short = fit(body, room)
        if max_bytes is not None:
            short = _fit_bytes(short, room)
        return joined(short)
    return _fit_bytes(fit(full, limit), limit) if max_bytes else fit(full, limit)


def compose(
    episode: Episode,
    kind: TargetKind,
    *,
    template: str | None = None,
    fps: float = 0.0,
    title_seconds: float = 0.0,
    credits_seconds: float = 0.0,
    thumbnail: Path | None = None,
    public_url: str = "",
) -> Metadata:
    """Everything `kind` is told about `episode` (reads attributes; opens no session).

    `template` is the show's title template ({title} {speakers} {show} {room} {date});
    `fps`, `title_seconds` and `credits_seconds` are the encode's, for chapter times
    (fps 0 = no chapters); `thumbnail` is the chosen image (see the module docstring);
    `public_url` defaults to the talk's stored one. For an announcer (Mastodon, webhook)
    the title is the talk's own unless a template is given: `announcement` builds the post.
    """
    show = episode.show
    youtube = kind is TargetKind.YOUTUBE
    speakers = tuple(speakers_of(episode.authors))
    licence = clean_line(episode.license) or clean_line(show.client.license if show.client else "")
    link = licence_url(licence)
    conf_url = clean_line(episode.conf_url) or clean_line(show.conf_url)
    chapters = episode_chapters(episode, fps, title_seconds, credits_seconds)
    description = compose_description(
        episode.description or "",
        subtitle=episode.subtitle or "",
        speakers=speakers,
        conf_url=conf_url,
        licence=licence,
        licence_link=link,
        chapters=chapters,
        max_chars=DESCRIPTION_CHARS.get(kind),
        max_bytes=DESCRIPTION_BYTES.get(kind),
    )
    if youtube:
        description = description.replace("<", "‹").replace(">", "›")
    if kind not in VIDEO_KINDS and not template:
        # An announcer's title is the talk's own: `announcement` builds the post around it.
        template = "{title}"
    return Metadata(
        title=compose_title(episode, TITLE_LIMITS[kind], template, no_angles=youtube),
        description=description,
        speakers=speakers,
        show=clean_line(show.name),
        tags=tags_for(kind, split_tags(show.tags, episode.tags)),
        language=language_code(episode.language),
        licence=licence,
        licence_url=link,
        recorded=recorded_at(episode),
        conf_url=conf_url,
        chapters=chapters,
        thumbnail=thumbnail,
        slug=episode.slug,
        uuid=episode.uuid,
        public_url=clean_line(public_url or episode.public_url),
    )


def compose_for(
    episode: Episode,
    kind: TargetKind,
    settings: Settings,
    *,
    profile: str | None = None,
    template: str | None = None,
    thumbnail: Path | None = None,
    public_url: str = "",
) -> Metadata:
    """`compose` with the chapter timing of `settings` (the encode `profile`'s frame rate,
    its title and credits lengths), as the encode wrote the chapters into the file."""
    return compose(
        episode,
        kind,
        template=template,
        fps=settings.profile(profile).fps,
        title_seconds=settings.title_seconds,
        credits_seconds=settings.credits_seconds,
        thumbnail=thumbnail,
        public_url=public_url,
    )


# ---------------------------------------------------------------- announcements


def mastodon_length(text: str) -> int:
    """Characters as Mastodon counts them: each URL as 23, whatever its length."""
    return len(_URL.sub("x" * MASTODON_URL_LENGTH, text))


def announcement(
    meta: Metadata,
    template: str | None = None,
    *,
    room: str = "",
    limit: int = MASTODON_LIMIT,
) -> str:
    """The post announcing `meta`'s talk, within `limit` characters as Mastodon counts.

    Placeholders: {title} {speakers} {show} {room} {date} {url} {conf_url} {tags}. The
    title shrinks first, then the speakers, then the hashtags are dropped; links stay.
    """
    template = template or DEFAULT_ANNOUNCEMENT
    check_template(template, ANNOUNCEMENT_PLACEHOLDERS, "announcement template")
    title = _strip_quotes(clean_line(meta.title))
    values = {
        "title": isolate(title),
        "speakers": isolate(", ".join(meta.speakers)),
        "show": isolate(meta.show),
        "room": isolate(clean_line(room)),
        "date": meta.recorded.date().isoformat() if meta.recorded else "",
        "url": meta.public_url or meta.conf_url,
        "conf_url": meta.conf_url,
        "tags": " ".join(t for t in (hashtag(x) for x in meta.tags) if t),
    }

    def render(vals: Mapping[str, str]) -> str:
        return re.sub(r"\n{3,}", "\n\n", _render(template, vals)).strip()

    text = render(values)
    for key in ("title", "speakers"):
        if mastodon_length(text) <= limit:
            return text
        over = mastodon_length(text) - limit
        keep = max(10, len(values[key]) - over - 1)
        values[key] = fit(values[key], keep)
        text = render(values)
    if mastodon_length(text) > limit and values["tags"]:
        values["tags"] = ""
        text = render(values)
    if mastodon_length(text) > limit:
        # Only links and long fixed text are left: cut the text before the first link.
        text = fit(text, max(1, len(text) - (mastodon_length(text) - limit)))
    return text
