"""YouTube's OAuth for an installed app: the browser consent with a loopback redirect, and
the refresh token kept on this machine (`veyedesk publish login NAME`). A part of
`youtube.py`'s target, kept apart so each module reads on its own."""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets as random_tokens
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from veyedesk.publish.base import (
    NeedsLogin,
    PublishError,
    Secrets,
    TargetConfig,
)

log = logging.getLogger(__name__)

OAUTH_URL = "https://accounts.google.com/o/oauth2/v2/auth"
TOKEN_URL = "https://oauth2.googleapis.com/token"
API_URL = "https://www.googleapis.com/youtube/v3"
UPLOAD_URL = "https://www.googleapis.com/upload/youtube/v3"
# Manage the channel's videos: upload, update, delete, playlists and thumbnails.
SCOPE = "https://www.googleapis.com/auth/youtube"
TIMEOUT = httpx.Timeout(60.0, connect=15.0)
LOGIN_TIMEOUT = 600.0  # seconds to wait for the browser to come back


# --- OAuth for an installed app (loopback redirect) ----------------------------------------


def _endpoints(options: Mapping[str, str]) -> tuple[str, str, str, str]:
    return (
        options.get("oauth_url") or OAUTH_URL,
        options.get("token_url") or TOKEN_URL,
        (options.get("api_url") or API_URL).rstrip("/"),
        (options.get("upload_url") or UPLOAD_URL).rstrip("/"),
    )


def _client_id(config: TargetConfig) -> str:
    client_id = (config.options.get("client_id") or "").strip()
    if not client_id:
        raise PublishError(
            f"YouTube target {config.name!r} has no client_id: set it with "
            f"`veyedesk publish target set {config.name} client_id=…` (the OAuth client ID "
            "of a Desktop app client in the Google Cloud console)."
        )
    return client_id


def _needs_login(name: str, why: str) -> NeedsLogin:
    return NeedsLogin(
        f"YouTube target {name!r}: {why}; run `veyedesk publish login {name}` on this machine."
    )


@dataclass
class _Answer:
    code: str = ""
    state: str = ""
    error: str = ""


class LoginFlow:
    """One sign-in: a one-shot HTTP server on 127.0.0.1 and the consent URL to open.

    `url` is what the user opens in a browser; Google sends the browser back to
    `redirect_uri` with a code, which `finish` exchanges for the refresh token.
    """

    def __init__(self, config: TargetConfig, secrets: Secrets) -> None:
        self.config = config
        self.secrets = secrets
        self.client_id = _client_id(config)
        oauth_url, self.token_url, _, _ = _endpoints(config.options)
        self._state = random_tokens.token_urlsafe(24)
        self._verifier = random_tokens.token_urlsafe(64)
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(self._verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        self._answer = _Answer()
        self._answered = threading.Event()
        port = (config.options.get("login_port") or "0").strip()
        if not port.isdigit() or int(port) > 65535:
            raise PublishError(
                f"YouTube target {config.name!r}: login_port {port!r} is not a port number; "
                "set a number (or 0 for any free port)."
            )
        try:
            self._server = HTTPServer(("127.0.0.1", int(port)), self._handler())
        except OSError as exc:
            raise PublishError(
                f"YouTube target {config.name!r}: cannot listen on 127.0.0.1 port {port} "
                f"({exc.strerror or exc}); free it or set login_port=0."
            ) from exc
        self.redirect_uri = f"http://127.0.0.1:{self._server.server_address[1]}/"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="youtube-login", daemon=True
        )
        self._thread.start()
        query = {
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "response_type": "code",
            "scope": SCOPE,
            "access_type": "offline",  # a refresh token: workers publish unattended
            "prompt": "consent",  # Google gives a refresh token only on consent
            "state": self._state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        self.url = f"{oauth_url}?{urlencode(query)}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        flow = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                code = query.get("code", [""])[0]
                error = query.get("error", [""])[0]
                if not code and not error:  # a favicon or a stray request: not the answer
                    self._reply(404, "Not the sign-in answer.")
                    return
                if not flow._answered.is_set():
                    flow._answer = _Answer(code, query.get("state", [""])[0], error)
                    flow._answered.set()
                self._reply(
                    200,
                    "veyedesk has the answer from Google; you can close this tab."
                    if code
                    else f"Sign-in refused ({error}); see the terminal.",
                )

            def _reply(self, status: int, text: str) -> None:
                body = text.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:
                pass

        return Handler

    def close(self) -> None:
        """Stop the loopback server (idempotent)."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()

    def finish(self, client_secret: str, timeout: float = LOGIN_TIMEOUT) -> str:
        """Wait for the browser's answer, exchange the code, store and return the refresh token."""
        try:
            if not self._answered.wait(timeout):
                raise PublishError(
                    f"YouTube sign-in for {self.config.name!r} got no answer within "
                    f"{timeout:.0f} s: open the URL in a browser on this machine and run "
                    f"`veyedesk publish login {self.config.name}` again."
                )
        finally:
            self.close()
        answer = self._answer
        if answer.error or answer.state != self._state:
            raise PublishError(
                f"YouTube sign-in for {self.config.name!r} was refused "
                f"({answer.error or 'the answer did not match this sign-in'}): run "
                f"`veyedesk publish login {self.config.name}` again and allow access."
            )
        form = {
            "grant_type": "authorization_code",
            "code": answer.code,
            "client_id": self.client_id,
            "client_secret": client_secret,
            "redirect_uri": self.redirect_uri,
            "code_verifier": self._verifier,
        }
        try:
            response = httpx.post(self.token_url, data=form, timeout=TIMEOUT)
        except httpx.TransportError as exc:
            raise PublishError(
                f"YouTube sign-in for {self.config.name!r}: cannot reach {self.token_url} "
                f"({exc}); check the network and log in again."
            ) from exc
        tokens = _json(response)
        refresh = tokens.get("refresh_token") if response.status_code == 200 else None
        if not isinstance(refresh, str) or not refresh:
            why = tokens.get("error_description") or tokens.get("error") or response.status_code
            raise PublishError(
                f"YouTube sign-in for {self.config.name!r}: Google gave no refresh token "
                f"({why});"
                " check the client ID and secret and log in again."
            )
        self.secrets.set(self.config.name, "refresh_token", refresh)
        return refresh


def start_login(config: TargetConfig, secrets: Secrets) -> LoginFlow:
    """Start a sign-in: the loopback server runs; open `flow.url`, then `flow.finish(...)`."""
    return LoginFlow(config, secrets)


def login(
    config: TargetConfig,
    secrets: Secrets,
    prompt: Callable[[str], str],
    show: Callable[[str], None] = print,
    timeout: float = LOGIN_TIMEOUT,
) -> None:
    """Sign this machine in to the target's channel and keep the refresh token.

    Asks (`prompt`) for the client secret when this machine has none, shows (`show`) the
    consent URL to open in a browser, and waits for Google to send the browser back.
    """
    _client_id(config)  # before asking anything: without it there is no sign-in
    client_secret = secrets.get(config.name, "client_secret")
    if not client_secret:
        client_secret = prompt(f"OAuth client secret for YouTube target {config.name}: ").strip()
        if not client_secret:
            raise PublishError(
                f"YouTube target {config.name!r} needs the OAuth client secret of its "
                "Desktop app client (Google Cloud console, Credentials)."
            )
        secrets.set(config.name, "client_secret", client_secret)
    flow = start_login(config, secrets)
    try:
        show(
            f"Open this URL in a browser on this machine and allow access:\n{flow.url}\n"
            f"(waiting for the answer on {flow.redirect_uri})"
        )
    except BaseException:
        flow.close()
        raise
    flow.finish(client_secret, timeout)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _reason(response: httpx.Response) -> tuple[str, str]:
    """The API's error reason and message (Google's error JSON), as far as given."""
    error = _json(response).get("error")
    if isinstance(error, dict):
        errors = error.get("errors") or [{}]
        reason = errors[0].get("reason", "") if isinstance(errors[0], dict) else ""
        return str(reason), str(error.get("message", ""))
    return "", str(error or "")
