"""Encoding one talk: prepare from the database, execute without it, record the outcome; the
title and credits slides it draws (also the proofs' and the editor preview's source).

This is the package's face: other packages import only the names below (an import-linter
contract keeps it so); its modules are private to it. Names load on first use (services/face.py).
"""

from typing import TYPE_CHECKING

from veyedesk.services.face import lazy_face

if TYPE_CHECKING:
    from veyedesk.services.encoding.chunked import (
        Piece as Piece,
        Pieces as Pieces,
        chunk_ranges as chunk_ranges,
        join_chunks as join_chunks,
        make_audio as make_audio,
        make_chunk as make_chunk,
    )
    from veyedesk.services.encoding.execute import (
        EncodeOutcome as EncodeOutcome,
        describe_outcome as describe_outcome,
        discard_encode as discard_encode,
        make_encode as make_encode,
        publish_encode as publish_encode,
        record_encode as record_encode,
    )
    from veyedesk.services.encoding.prepare import (
        EncodeRequest as EncodeRequest,
        output_path as output_path,
        plan_commands as plan_commands,
        prepare_encode as prepare_encode,
    )
    from veyedesk.services.encoding.slides import (
        SLIDE_FIELDS as SLIDE_FIELDS,
        adopt_title_image as adopt_title_image,
        slide_text as slide_text,
        title_template as title_template,
    )

# Only at run time: mypy sees the names above, so a name missing here is a type error.
if not TYPE_CHECKING:
    __getattr__, __dir__ = lazy_face(
        __name__,
        globals(),
        {
            "EncodeOutcome": "execute",
            "EncodeRequest": "prepare",
            "Piece": "chunked",
            "Pieces": "chunked",
            "SLIDE_FIELDS": "slides",
            "chunk_ranges": "chunked",
            "join_chunks": "chunked",
            "make_audio": "chunked",
            "make_chunk": "chunked",
            "adopt_title_image": "slides",
            "describe_outcome": "execute",
            "discard_encode": "execute",
            "make_encode": "execute",
            "output_path": "prepare",
            "plan_commands": "prepare",
            "prepare_encode": "prepare",
            "publish_encode": "execute",
            "record_encode": "execute",
            "slide_text": "slides",
            "title_template": "slides",
        },
    )
