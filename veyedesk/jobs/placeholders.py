"""The placeholders a state's command template may use (`{name}`, `{name!q}` for shells).

Kept apart from jobs.commands so `veyedesk state command --help` can list them without
loading the database layer.
"""

from __future__ import annotations

PLACEHOLDERS: dict[str, str] = {
    "output": "the episode's encoded file (latest finished encode)",
    "id": "episode id",
    "slug": "episode slug (file-safe name)",
    "name": "talk title",
    "authors": "speakers",
    "emails": "speakers' e-mail addresses",
    "description": "talk description",
    "conf_key": "the schedule's id for the talk",
    "conf_url": "the talk's page on the conference site",
    "public_url": "where the published video is",
    "host_url": "where the upload went",
    "state": "the state whose command runs",
    "show": "show slug",
    "client": "client slug",
    "room": "room slug",
}
