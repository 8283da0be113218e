"""Announcements on a Mastodon instance (Veyepar's *tweet*), through Mastodon.py.

Options (`veyedesk publish target add ... --kind mastodon KEY=VALUE`):
  url         the instance, e.g. https://fosstodon.org (https; http only for localhost)
  visibility  `public` (default: on the public timelines) or `unlisted` (followers and
              the link, not the public timelines)
  language    ISO 639-1 of the posts (e.g. `en`); blank = the talk's own language

Secret: `access_token`, kept per machine by `veyedesk publish login NAME`, which asks for
an access token and checks it with the instance. Make the token in the account's web
settings: Preferences > Development > New application, scopes `read:accounts`,
`read:statuses` and `write:statuses`, then copy "Your access token". That is the simplest
robust way: one paste, no browser round trip, no client app registered per machine (the
out-of-band OAuth flow needs both), and Mastodon tokens do not expire, so there is nothing
to refresh. A token the instance refuses (revoked, typo) is a NeedsLogin naming the
target.

A re-run posts nothing twice: the post is sent with an `Idempotency-Key` (the talk's uuid
and the state or text, which Mastodon honours for an hour, covering a retry after a lost
answer), and before posting the account's recent statuses are searched for one linking
the talk's URL (covering a re-run days later). 429 and 5xx answers and network cuts are
retried with growing waits (the rate limit's reset time or Retry-After when given), a
bounded number of times, then the job is Retryable.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import re
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from mastodon import Mastodon
from mastodon.errors import (
    MastodonAPIError,
    MastodonError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)

from veyedesk.publish.base import (
    Metadata,
    NeedsLogin,
    Privacy,
    PublishError,
    Remote,
    Retryable,
    Secrets,
    TargetConfig,
)
from veyedesk.publish.languages import language_code
from veyedesk.publish.metadata import MASTODON_LIMIT, mastodon_length

TOKEN = "access_token"  # the secret's key
VISIBILITIES = {"public": Privacy.PUBLIC, "unlisted": Privacy.UNLISTED}
SCOPES = "read:accounts read:statuses write:statuses"
TIMEOUT = 30.0  # seconds per request
TRIES = 5
FIRST_DELAY = 2.0
MAX_DELAY = 120.0
RECENT = 40  # own statuses searched for an earlier announcement (one API page)

T = TypeVar("T")


class Missing(PublishError):
    """The instance answered 404: a post already deleted, or a url that is no Mastodon."""


def _login_hint(name: str) -> str:
    return f"run `veyedesk publish login {name}` on this machine"


def instance_url(config: TargetConfig) -> str:
    """The `url` option, checked: https (http only to this machine) and a host."""
    url = (config.options.get("url") or "").strip().rstrip("/")
    parts = urlsplit(url)
    local = parts.hostname in ("localhost", "127.0.0.1", "::1")
    if (
        not parts.hostname
        or parts.scheme not in ("https", "http")
        or (parts.scheme == "http" and not local)
    ):
        raise PublishError(
            f"target {config.name!r}: url={url!r} is not a Mastodon instance address; "
            "set url=https://your.instance (e.g. `veyedesk publish target set "
            f"{config.name} url=https://fosstodon.org`)"
        )
    return url


def visibility_of(config: TargetConfig) -> str:
    value = (config.options.get("visibility") or "public").strip().lower()
    if value not in VISIBILITIES:
        raise PublishError(
            f"target {config.name!r}: visibility={value!r} is not one of "
            f"{', '.join(VISIBILITIES)}; set visibility=public or visibility=unlisted"
        )
    return value


class MastodonAnnouncer:
    """Posts announcements for one target; satisfies `base.Announcer`."""

    def __init__(
        self,
        name: str,
        url: str,
        token: str,
        visibility: str = "public",
        language: str = "",
        *,
        tries: int = TRIES,
        first_delay: float = FIRST_DELAY,
        max_delay: float = MAX_DELAY,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = TIMEOUT,
    ) -> None:
        self.name = name
        self.url = url
        self.visibility = visibility
        self.language = language
        self.tries = max(1, tries)
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.sleep = sleep
        self._retry_after: float | None = None
        session = requests.Session()
        session.hooks["response"].append(self._seen)
        self.client = Mastodon(
            access_token=token,
            api_base_url=url,
            # We retry ourselves (bounded, then the job is retried): Mastodon.py's "wait"
            # would block a worker for up to 5 minutes per call, unbounded.
            ratelimit_method="throw",
            request_timeout=timeout,
            version_check_mode="none",
            session=session,
            user_agent="veyedesk",
        )

    def _seen(self, response: requests.Response, *_args: Any, **_kwargs: Any) -> None:
        """Keep the last Retry-After (Mastodon.py's errors do not carry headers)."""
        self._retry_after = _retry_after(response.headers.get("Retry-After"))

    def _call(self, what: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`fn(*args, **kwargs)` with retries on 429, 5xx and network errors."""
        delay = self.first_delay
        for attempt in range(1, self.tries + 1):
            self._retry_after = None
            try:
                return fn(*args, **kwargs)
            except MastodonUnauthorizedError:
                raise NeedsLogin(
                    f"target {self.name!r}: {self.url} refused the access token (revoked or "
                    f"mistyped); {_login_hint(self.name)} with a new token"
                ) from None
            except MastodonRatelimitError:
                reset = self.client.ratelimit_reset
                wait = (reset - time.time()) if reset else delay
                reason = "rate limit reached (429)"
            except (MastodonServerError, MastodonNetworkError) as exc:
                wait = self._retry_after if self._retry_after is not None else delay
                reason = _reason(exc)
            except MastodonNotFoundError:
                raise Missing(
                    f"target {self.name!r}: {self.url} answered 'not found' when asked to "
                    f"{what}; check that url= is the Mastodon instance's address"
                ) from None
            except MastodonAPIError as exc:
                raise PublishError(
                    f"target {self.name!r}: {self.url} refused to {what}: {_reason(exc)}"
                ) from None
            except MastodonError as exc:  # anything else Mastodon.py reports
                raise PublishError(
                    f"target {self.name!r}: could not {what} on {self.url}: {_reason(exc)}"
                ) from None
            if attempt == self.tries:
                raise Retryable(
                    f"target {self.name!r}: {self.url} could not {what} after {self.tries} "
                    f"tries ({reason}); the job will be tried again later"
                )
            self.sleep(min(self.max_delay, max(0.0, wait)))
            delay = min(self.max_delay, delay * 2)
        raise AssertionError("unreachable")

    # ------------------------------------------------------------------ checks

    def account_id(self) -> str:
        """The id of the account the token belongs to (checks the token)."""
        me = self._call("check the access token", self.client.account_verify_credentials)
        return str(me["id"])

    def max_characters(self) -> int:
        """The instance's post length limit (500 unless it says otherwise)."""
        try:
            info = self._call("read the instance's settings", self.client.instance_v2)
            limit = info["configuration"]["statuses"]["max_characters"]
            return int(limit) if limit else MASTODON_LIMIT
        except (MastodonError, PublishError, KeyError, TypeError, ValueError):
            return MASTODON_LIMIT  # an older instance or another server: Mastodon's default

    # ------------------------------------------------------------------ announcing

    def find(self, meta: Metadata, text: str = "", account: str | None = None) -> Remote | None:
        """An announcement of this talk among the account's recent posts, or None.

        One linking the talk's public URL (else its conference page) when `text` links it;
        when `text` links neither, one with the same text.
        """
        account = account or self.account_id()
        recent = self._call(
            "read the account's recent posts",
            self.client.account_statuses,
            account,
            limit=RECENT,
            exclude_reblogs=True,
        )
        # Only a link the post itself carries is evidence of an earlier post.
        wanted = [u for u in (meta.public_url, meta.conf_url) if u and u in text][:1]
        for status in recent or []:
            content = str(status.get("content") or "")
            if wanted:
                if any(f'href="{html.escape(u)}"' in content or u in content for u in wanted):
                    return self._remote(status)
            elif text and _plain(content) == " ".join(text.split()):
                return self._remote(status)
        return None

    def announce(self, meta: Metadata, text: str, key: str = "") -> Remote:
        """Post `text` about `meta`'s talk, unless it was posted before; the post.

        `key` names the step (e.g. the pipeline state); with the talk's uuid it makes the
        Idempotency-Key, so a retried request returns the first post instead of a second.
        """
        text = text.strip()
        if not text:
            raise PublishError(f"target {self.name!r}: the announcement is empty")
        account = self.account_id()
        earlier = self.find(meta, text, account)
        if earlier is not None:
            return earlier
        limit = self.max_characters()
        if mastodon_length(text) > limit:
            raise PublishError(
                f"target {self.name!r}: the announcement has {mastodon_length(text)} characters "
                f"as Mastodon counts them; {self.url} allows {limit}. Shorten the show's "
                "announcement template"
            )
        status = self._call(
            "post the announcement",
            self.client.status_post,
            text,
            visibility=self.visibility,
            language=self.language or language_code(meta.language) or None,
            idempotency_key=idempotency_key(meta, text, key),
        )
        return self._remote(status)

    def fetch(self, remote_id: str) -> Remote:
        """The post as the instance holds it; PublishError when it is gone."""
        try:
            status = self._call("read the post", self.client.status, remote_id)
        except Missing:
            raise PublishError(
                f"target {self.name!r}: post {remote_id} is not on {self.url} (deleted?)"
            ) from None
        return self._remote(status)

    def remove(self, remote_id: str) -> None:
        """Delete the post (a speaker withdrew); a post already gone is not an error."""
        with contextlib.suppress(Missing):
            self._call("delete the post", self.client.status_delete, remote_id)

    def _remote(self, status: Any) -> Remote:
        url = str(status.get("url") or status.get("uri") or "")
        return Remote(
            remote_id=str(status["id"]),
            host_url=url,
            public_url=url,
            privacy=VISIBILITIES.get(str(status.get("visibility") or ""), Privacy.PRIVATE),
        )


def idempotency_key(meta: Metadata, text: str, key: str = "") -> str:
    """The talk's uuid and the step (or, without one, a digest of the text)."""
    step = key or hashlib.sha256(text.encode()).hexdigest()[:16]
    return f"veyedesk-{meta.uuid or meta.slug}-{step}"[:200]


def _plain(content: str) -> str:
    text = re.sub(r"<br\s*/?>|</p>\s*<p>", " ", content)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())


def _reason(exc: MastodonError) -> str:
    args = [a for a in exc.args if a]
    if len(args) >= 3 and isinstance(args[1], int):
        detail = f": {args[3]}" if len(args) > 3 and args[3] else ""
        return f"HTTP {args[1]} {args[2]}{detail}"
    return str(args[-1]) if args else type(exc).__name__


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def make(config: TargetConfig, secrets: Secrets) -> MastodonAnnouncer:
    """The announcer of `config`; NeedsLogin when this machine has no token for it."""
    url = instance_url(config)
    visibility = visibility_of(config)
    language = (config.options.get("language") or "").strip()
    if language and not language_code(language):
        raise PublishError(
            f"target {config.name!r}: language={language!r} is not a language code; "
            "use an ISO 639-1 code such as en, de or fr, or leave it blank"
        )
    token = secrets.get(config.name, TOKEN)
    if not token:
        raise NeedsLogin(
            f"target {config.name!r}: this machine has no Mastodon access token for {url}; "
            f"{_login_hint(config.name)}"
        )
    return MastodonAnnouncer(
        config.name, url, token, visibility, language_code(language) if language else ""
    )


def login(config: TargetConfig, secrets: Secrets, prompt: Callable[[str], str]) -> None:
    """Ask for an access token made in the instance's settings, check it, keep it."""
    url = instance_url(config)
    token = prompt(
        f"Access token for {url} (in its web settings: Preferences > Development > "
        f"New application, scopes {SCOPES}; copy 'Your access token'): "
    ).strip()
    if not token:
        raise PublishError(f"target {config.name!r}: no access token given; nothing was saved")
    announcer = MastodonAnnouncer(config.name, url, token, tries=2)
    try:
        announcer.account_id()
    except NeedsLogin:
        raise PublishError(
            f"target {config.name!r}: {url} refused that access token; copy it again from "
            "Preferences > Development and check its scopes"
        ) from None
    secrets.set(config.name, TOKEN, token)
