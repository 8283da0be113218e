"""Webhook announcers: a JSON POST to a URL when a talk is announced.

Options: `url` (required, http or https). Secret (optional, `veyedesk publish login
NAME`): `token`, sent as `Authorization: Bearer TOKEN`.

The body is `{"text", "title", "speakers", "show", "uuid", "public_url", "conf_url"}`.
429 and 5xx answers are retried a few times (honouring Retry-After), then `Retryable`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from veyedesk.publish.base import (
    Metadata,
    PublishError,
    Remote,
    Retryable,
    Secrets,
    TargetConfig,
)

TRIES = 4
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
MAX_WAIT = 30.0


def make(config: TargetConfig, secrets: Secrets) -> WebhookAnnouncer:
    url = config.options.get("url", "").strip()
    if not url.startswith(("http://", "https://")):
        raise PublishError(
            f"publish target {config.name!r} needs `url` (http or https); set it with "
            f"`veyedesk publish target set {config.name} url=https://…`"
        )
    return WebhookAnnouncer(config.name, url, secrets.get(config.name, "token") or "")


def login(config: TargetConfig, secrets: Secrets, prompt: Callable[[str], str]) -> str:
    """Store the (optional) bearer token for the webhook on this machine."""
    token = prompt(f"bearer token for {config.name} (blank for none): ").strip()
    secrets.set(config.name, "token", token)
    return f"stored the token for {config.name}"


class WebhookAnnouncer:
    def __init__(self, name: str, url: str, token: str = "") -> None:
        self.name, self.url, self.token = name, url, token

    def announce(self, meta: Metadata, text: str) -> Remote:
        body: dict[str, Any] = {
            "text": text,
            "title": meta.title,
            "speakers": list(meta.speakers),
            "show": meta.show,
            "uuid": meta.uuid,
            "public_url": meta.public_url,
            "conf_url": meta.conf_url,
        }
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        last = ""
        for attempt in range(TRIES):
            try:
                answer = httpx.post(self.url, json=body, headers=headers, timeout=TIMEOUT)
            except httpx.HTTPError as exc:
                last = str(exc) or type(exc).__name__
                time.sleep(min(MAX_WAIT, 2**attempt))
                continue
            if answer.status_code == 429 or answer.status_code >= 500:
                last = f"HTTP {answer.status_code}"
                time.sleep(_wait(answer.headers.get("Retry-After"), attempt))
                continue
            if answer.status_code in (401, 403):
                raise PublishError(
                    f"webhook {self.name!r} refused the token (HTTP {answer.status_code}); run "
                    f"`veyedesk publish login {self.name}` on this machine"
                )
            if answer.status_code >= 400:
                raise PublishError(
                    f"webhook {self.name!r} answered HTTP {answer.status_code}: "
                    f"{answer.text[:200]}; check its url"
                )
            return Remote(remote_id=answer.headers.get("Location", "") or meta.uuid)
        raise Retryable(f"webhook {self.name!r} did not take the announcement: {last}")


def _wait(header: str | None, attempt: int) -> float:
    try:
        return min(MAX_WAIT, max(0.0, float(header))) if header else min(MAX_WAIT, 2**attempt)
    except ValueError:
        return min(MAX_WAIT, 2**attempt)
