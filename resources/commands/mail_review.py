#!/usr/bin/env python3
"""Mail a talk's speakers the link to review their recording, through a configured SMTP server.

A veyedesk state command for the *email* state (speakers without an account review by
mail; a reviewer then records their answer with "approved by mail", or the show's review
2 timeout approves the talk after N days of silence). Typical use:

    veyedesk pipeline set email command "$C/mail_review.py \
      --config /etc/veyedesk/mail.toml -- {emails} {name} {host_url} {authors}"

where C is this folder (e.g. /opt/veyedesk/resources/commands); allow its path in the
workers' worker_commands.

/etc/veyedesk/mail.toml (readable by the worker's user only: it may hold a password):

    host = "smtp.example.org"
    port = 587                 # 465 with ssl = true; 25 for a local relay
    starttls = true
    ssl = false
    user = "video-team"        # optional: no login when absent
    password = "..."
    from = "Video team <video@example.org>"
    reply_to = "video@example.org"   # optional: where speakers' answers go
    subject = "Your talk \"{title}\": please review the recording"   # optional
    body = "..."               # optional: {speakers} {title} {link} are filled in

Flags (--host, --port, --from, …) override the file. Exit status: 0 sent, 2 bad
arguments or settings, 3 no address or no link, 4 the server refused or could not be
reached (the worker retries).
"""

from __future__ import annotations

import argparse
import smtplib
import ssl
import sys
import tomllib
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid
from pathlib import Path
from urllib.parse import urlsplit

SUBJECT = 'Your talk "{title}": please review the recording'
BODY = """Hello {speakers},

the recording of your talk "{title}" is ready for you to review:

    {link}

Please watch it and reply to this mail: say it is fine to publish, or tell us what to fix
(with the time in the video). If we hear nothing, the video will be published as it is.

Thank you for speaking!
"""


def addresses(text: str) -> list[str]:
    """E-mail addresses in a speakers' field (commas, semicolons, spaces or new lines)."""
    parts = text.replace(";", ",").replace("\n", ",").split(",")
    found = []
    for _, addr in getaddresses([p.strip() for p in parts if p.strip()]):
        if "@" in addr and " " not in addr and addr not in found:
            found.append(addr)
    return found


def settings(ns: argparse.Namespace) -> dict[str, object]:
    """The config file's settings with the command line's flags on top."""
    values: dict[str, object] = {}
    if ns.config:
        with open(ns.config, "rb") as f:
            values.update(tomllib.load(f))
    for key in ("host", "port", "user", "password_file", "reply_to", "subject"):
        flag = getattr(ns, key)
        if flag is not None:
            values[key] = flag
    if ns.sender is not None:
        values["from"] = ns.sender
    if ns.starttls:
        values["starttls"] = True
    if values.get("password_file"):
        values["password"] = Path(str(values["password_file"])).read_text().strip()
    return values


def build_message(
    cfg: dict[str, object], to: list[str], title: str, link: str, speakers: str
) -> EmailMessage:
    """The review mail."""
    fill = {"speakers": speakers or "there", "title": title, "link": link}
    msg = EmailMessage()
    msg["From"] = str(cfg["from"])
    msg["To"] = ", ".join(to)
    if cfg.get("reply_to"):
        msg["Reply-To"] = str(cfg["reply_to"])
    msg["Subject"] = str(cfg.get("subject") or SUBJECT).format(**fill)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=str(cfg["from"]).rsplit("@", 1)[-1].strip("> "))
    msg.set_content(str(cfg.get("body") or BODY).format(**fill))
    return msg


def send(cfg: dict[str, object], msg: EmailMessage) -> None:
    host, port = str(cfg["host"]), int(str(cfg.get("port") or 25))
    timeout = float(str(cfg.get("timeout") or 60))
    if cfg.get("ssl"):
        server: smtplib.SMTP = smtplib.SMTP_SSL(
            host, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        server = smtplib.SMTP(host, port, timeout=timeout)
    with server:
        if cfg.get("starttls"):
            server.starttls(context=ssl.create_default_context())
        if cfg.get("user"):
            server.login(str(cfg["user"]), str(cfg.get("password") or ""))
        server.send_message(msg)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, help="TOML file with the SMTP settings")
    parser.add_argument("--host", help="SMTP server")
    parser.add_argument("--port", type=int, help="SMTP port")
    parser.add_argument("--starttls", action="store_true", help="upgrade with STARTTLS")
    parser.add_argument("--user", help="SMTP login")
    parser.add_argument("--password-file", help="file holding the SMTP password")
    parser.add_argument("--from", dest="sender", help="From: address")
    parser.add_argument("--reply-to", help="Reply-To: address (where answers go)")
    parser.add_argument("--subject", help="subject template ({title})")
    parser.add_argument("emails", metavar="EMAILS", help="the speakers' addresses ({emails})")
    parser.add_argument("title", metavar="TITLE", help="the talk's title ({name})")
    parser.add_argument("link", metavar="LINK", help="where to watch it ({host_url})")
    parser.add_argument("speakers", nargs="?", default="", help="the speakers' names ({authors})")
    ns = parser.parse_args(argv)
    try:
        cfg = settings(ns)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        print(f"mail_review: cannot read the settings: {exc}", file=sys.stderr)
        return 2
    missing = [k for k in ("host", "from") if not cfg.get(k)]
    if missing:
        print(
            f"mail_review: set {' and '.join(missing)} (in --config or as flags)", file=sys.stderr
        )
        return 2
    to = addresses(ns.emails)
    if not to:
        print(
            f"mail_review: no speaker e-mail address in {ns.emails!r}; add one to the talk",
            file=sys.stderr,
        )
        return 3
    link = urlsplit(ns.link)
    if link.scheme not in ("http", "https") or not link.netloc:
        print(
            f"mail_review: no link to review ({ns.link!r}); the talk needs a host_url "
            "(the upload state's command writes it)",
            file=sys.stderr,
        )
        return 3
    try:
        msg = build_message(cfg, to, ns.title, ns.link, ns.speakers)
        send(cfg, msg)
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        print(f"mail_review: sending through {cfg['host']} failed: {exc}", file=sys.stderr)
        return 4
    print(f"mailed the review link to {len(to)} speaker(s): {', '.join(to)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
