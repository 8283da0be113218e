"""A talk's road after editing: the show's states and their kinds, release gating, review,
queue actions.

This is the package's face: other packages import only the names below (an import-linter
contract keeps it so); its modules are private to it. Names load on first use (services/face.py).
"""

from typing import TYPE_CHECKING

from veyedesk.services.face import lazy_face

if TYPE_CHECKING:
    from veyedesk.services.pipeline.review import (
        ReviewItem as ReviewItem,
        ReviewPackage as ReviewPackage,
    )
    from veyedesk.services.pipeline.states import (
        PipelineView as PipelineView,
        StageRow as StageRow,
        show_pipeline as show_pipeline,
    )

__getattr__, __dir__ = lazy_face(
    __name__,
    globals(),
    {
        "PipelineView": "states",
        "ReviewItem": "review",
        "ReviewPackage": "review",
        "StageRow": "states",
        "show_pipeline": "states",
    },
)
