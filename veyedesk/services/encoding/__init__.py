"""Encoding one talk: prepare from the database, execute without it, record the outcome; the
title and credits slides it draws (also the proofs' and the editor preview's source).

This is the package's face: other packages import only the names below (an import-linter
contract keeps it so); its modules are private to it. Names load on first use (services/face.py).
"""

from typing import TYPE_CHECKING

from veyedesk.services.face import lazy_face

if TYPE_CHECKING:
    from veyedesk.services.encoding.prepare import (
        output_path as output_path,
    )
    from veyedesk.services.encoding.slides import (
        IMAGE_SUFFIXES as IMAGE_SUFFIXES,
        SLIDE_FIELDS as SLIDE_FIELDS,
        credits_template as credits_template,
        slide_text as slide_text,
        title_template as title_template,
    )

__getattr__, __dir__ = lazy_face(
    __name__,
    globals(),
    {
        "IMAGE_SUFFIXES": "slides",
        "SLIDE_FIELDS": "slides",
        "credits_template": "slides",
        "output_path": "prepare",
        "slide_text": "slides",
        "title_template": "slides",
    },
)
