"""A talk's road after editing: the show's states and their kinds, release gating, review,
queue actions.

This is the package's face: other packages import only the names below (an import-linter
contract keeps it so); its modules are private to it. Names load on first use (services/face.py).
"""

from typing import TYPE_CHECKING

from veyedesk.services.face import lazy_face

if TYPE_CHECKING:
    from veyedesk.services.pipeline.queue_actions import (
        add_to_queue as add_to_queue,
        cancel_job as cancel_job,
        describe_command as describe_command,
        raise_priority as raise_priority,
        retry_job as retry_job,
        set_state_command as set_state_command,
    )
    from veyedesk.services.pipeline.release import (
        approve_by_mail as approve_by_mail,
        parse_released as parse_released,
        set_released as set_released,
    )
    from veyedesk.services.pipeline.review import (
        HeldItem as HeldItem,
        ReviewItem as ReviewItem,
        ReviewPackage as ReviewPackage,
        approve as approve,
        held_items as held_items,
        load_review as load_review,
        mark_opened as mark_opened,
        reject as reject,
        review_items as review_items,
    )
    from veyedesk.services.pipeline.states import (
        PipelineView as PipelineView,
        StageRow as StageRow,
        find_show as find_show,
        set_public as set_public,
        set_release_rules as set_release_rules,
        set_stage as set_stage,
        show_pipeline as show_pipeline,
    )

# Only at run time: mypy sees the names above, so a name missing here is a type error.
if not TYPE_CHECKING:
    __getattr__, __dir__ = lazy_face(
        __name__,
        globals(),
        {
            "HeldItem": "review",
            "PipelineView": "states",
            "ReviewItem": "review",
            "ReviewPackage": "review",
            "StageRow": "states",
            "add_to_queue": "queue_actions",
            "approve": "review",
            "approve_by_mail": "release",
            "cancel_job": "queue_actions",
            "describe_command": "queue_actions",
            "find_show": "states",
            "held_items": "review",
            "load_review": "review",
            "mark_opened": "review",
            "parse_released": "release",
            "raise_priority": "queue_actions",
            "reject": "review",
            "retry_job": "queue_actions",
            "review_items": "review",
            "set_public": "states",
            "set_release_rules": "states",
            "set_released": "release",
            "set_stage": "states",
            "set_state_command": "queue_actions",
            "show_pipeline": "states",
        },
    )
