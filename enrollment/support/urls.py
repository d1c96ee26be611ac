from django.urls import path

from . import erasure as support_erasure
from . import inbox as support_inbox
from . import views as support

app_name = "support"

urlpatterns = [
    path("", support.search, name="search"),
    path("inbox/", support_inbox.inbox, name="inbox"),
    path("erasure/", support_erasure.erasure_requests, name="erasure_requests"),
    path(
        "erasure/<int:request_id>/confirm/",
        support_erasure.erasure_confirm_view,
        name="erasure_confirm",
    ),
    path(
        "erasure/<int:request_id>/refuse/",
        support_erasure.erasure_refuse_view,
        name="erasure_refuse",
    ),
    path(
        "inbox/feedback/<int:feedback_id>/handled/",
        support_inbox.feedback_handled,
        name="feedback_handled",
    ),
    path(
        "inbox/duplicates/<int:flag_id>/handled/",
        support_inbox.duplicate_flag_handled,
        name="duplicate_flag_handled",
    ),
    path(
        "people/<int:trainer_id>/mcp-ids/access-code/",
        support_inbox.access_code_reissue_view,
        name="access_code_reissue",
    ),
    path("people/<int:trainer_id>/", support.person, name="person"),
    path(
        "people/<int:trainer_id>/registration/",
        support.registration_edit,
        name="registration",
    ),
    path("people/<int:trainer_id>/mcp-ids/link/", support.mcp_id_link_view, name="mcp_id_link"),
    path(
        "people/<int:trainer_id>/mcp-ids/generate/",
        support.mcp_id_generate_view,
        name="mcp_id_generate",
    ),
    path(
        "people/<int:trainer_id>/mcp-ids/<int:mcp_id>/primary/",
        support.mcp_id_make_primary_view,
        name="mcp_id_make_primary",
    ),
    path("people/<int:trainer_id>/merge/", support.merge_start, name="merge_start"),
    path("people/<int:trainer_id>/merge/<int:absorb_id>/", support.merge, name="merge"),
    path(
        "people/<int:trainer_id>/emails/<int:email_id>/resend-passcode/",
        support.resend_passcode,
        name="resend_passcode",
    ),
]
