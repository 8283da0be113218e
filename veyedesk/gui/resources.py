"""Where the files under resources/ are, in a checkout or an installed package."""

from __future__ import annotations

from veyedesk.resource_files import resource_path

__all__ = ["resource_path"]
