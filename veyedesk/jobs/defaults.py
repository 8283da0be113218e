"""Defaults of the job queue, apart so the CLI's parser can show them without the database."""

from __future__ import annotations

DEFAULT_MAX_ATTEMPTS = 3  # tries before a talk goes to borked
DEFAULT_LEASE_SECONDS = 60.0  # a running job whose worker is silent this long is taken back
