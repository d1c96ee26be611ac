"""The trainer's pages. No app_name: base.html links to {% url 'profile' %}.

Wizard URL names, for every registered path (enrollment.paths): apply_<path> (start or
resume: redirects to the draft's step) and apply_<path>_step (one step: profile,
requirements, terms, confirmation), e.g. apply_new, apply_alumni_renew_step.
"""

from django.urls import path, re_path

from .paths.registry import PathDefinition, all_paths, start_url_name, step_url_name
from .views import details, help, profile, wizard, your_data
from .wizard.base import STEP_LABELS, ApplicationWizard

STEP_PATTERN = rf"(?P<step>{'|'.join(STEP_LABELS)})"


def wizard_urls(definition: PathDefinition):
    view = ApplicationWizard.for_path(definition)
    slug, app_path = definition.slug, definition.path
    return [
        re_path(rf"^apply/{slug}/$", view, name=start_url_name(app_path)),
        re_path(rf"^apply/{slug}/{STEP_PATTERN}/$", view, name=step_url_name(app_path)),
    ]


def path_urlpatterns():
    return [url for definition in all_paths() for url in wizard_urls(definition)]


urlpatterns = [
    path("profile/", profile.profile_page, name="profile"),
    path("profile/details/", details.details_page, name="profile_details"),
    path("profile/mcp-ids/link/", details.mcp_id_claim_page, name="mcp_id_claim"),
    path("profile/data/", your_data.data_export_request_view, name="data_export_request"),
    path(
        "profile/data/<uuid:public_id>/download/",
        your_data.data_export_download,
        name="data_export_download",
    ),
    path("profile/delete/", your_data.account_delete, name="account_delete"),
    path("help/", help.help_page, name="help"),
    path("accessibility/", help.accessibility_page, name="accessibility"),
    path(
        "apply/<uuid:public_id>/withdraw/",
        wizard.withdraw_application,
        name="apply_withdraw",
    ),
    *path_urlpatterns(),
]
