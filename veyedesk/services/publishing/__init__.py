"""What leaves the building: publish targets and publications, title proofs, chapters,
playlists, exports, release forms.

This is the package's face: other packages import only the names below (an import-linter
contract keeps it so); its modules are private to it. Names load on first use (services/face.py).
"""

from typing import TYPE_CHECKING

from veyedesk.services.face import lazy_face

if TYPE_CHECKING:
    from veyedesk.services.publishing.chapters import (
        chapters_text as chapters_text,
    )
    from veyedesk.services.publishing.export import (
        encoded_playlist as encoded_playlist,
        mpv_edl as mpv_edl,
        raw_playlist as raw_playlist,
        veyepar_json as veyepar_json,
    )
    from veyedesk.services.publishing.playlists import (
        EncodedFile as EncodedFile,
        episode_encodes as episode_encodes,
        show_playlist as show_playlist,
        show_playlist_by_id as show_playlist_by_id,
        show_selection as show_selection,
    )
    from veyedesk.services.publishing.publication import (
        PublicationRow as PublicationRow,
        episode_publications as episode_publications,
        login_target as login_target,
        run_publish as run_publish,
    )
    from veyedesk.services.publishing.release_form import (
        DEFAULT_TEMPLATE as DEFAULT_TEMPLATE,
        PLACEHOLDERS as PLACEHOLDERS,
        ReleaseFormError as ReleaseFormError,
        set_release_template as set_release_template,
        write_episode_release_form as write_episode_release_form,
        write_release_forms as write_release_forms,
    )
    from veyedesk.services.publishing.schedule_export import (
        build_schedule as build_schedule,
        schedule_json as schedule_json,
        schedule_xml as schedule_xml,
    )
    from veyedesk.services.publishing.targets import (
        TargetRow as TargetRow,
        add_target as add_target,
        has_login as has_login,
        list_targets as list_targets,
        remove_target as remove_target,
        set_target as set_target,
    )
    from veyedesk.services.publishing.title_proofs import (
        preview_source as preview_source,
        render_preview as render_preview,
        show_heading as show_heading,
        show_slide_jobs as show_slide_jobs,
        write_proof_sheet as write_proof_sheet,
    )

# Only at run time: mypy sees the names above, so a name missing here is a type error.
if not TYPE_CHECKING:
    __getattr__, __dir__ = lazy_face(
        __name__,
        globals(),
        {
            "DEFAULT_TEMPLATE": "release_form",
            "EncodedFile": "playlists",
            "PLACEHOLDERS": "release_form",
            "PublicationRow": "publication",
            "TargetRow": "targets",
            "add_target": "targets",
            "episode_publications": "publication",
            "has_login": "targets",
            "list_targets": "targets",
            "login_target": "publication",
            "remove_target": "targets",
            "run_publish": "publication",
            "set_target": "targets",
            "ReleaseFormError": "release_form",
            "build_schedule": "schedule_export",
            "chapters_text": "chapters",
            "encoded_playlist": "export",
            "episode_encodes": "playlists",
            "mpv_edl": "export",
            "preview_source": "title_proofs",
            "raw_playlist": "export",
            "render_preview": "title_proofs",
            "schedule_json": "schedule_export",
            "schedule_xml": "schedule_export",
            "set_release_template": "release_form",
            "show_heading": "title_proofs",
            "show_playlist": "playlists",
            "show_playlist_by_id": "playlists",
            "show_selection": "playlists",
            "show_slide_jobs": "title_proofs",
            "veyepar_json": "export",
            "write_episode_release_form": "release_form",
            "write_proof_sheet": "title_proofs",
            "write_release_forms": "release_form",
        },
    )
