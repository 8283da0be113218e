"""Venue copies: check a part of a show out into a laptop's SQLite, edit offline, merge back.

`checkout` copies the rows and their bases; `sync` merges field by field with the shared
database (three-way, conflicts kept for a person); `changes` writes and applies change
files for a laptop that never reaches the shared database. See docs/architecture.md.
"""
