"""The trainer's pages. No app_name: base.html links to {% url 'profile' %}.

Wizard URL names: apply_<path> (start or resume: redirects to the draft's step) and
apply_<path>_step (one step: profile, requirements, terms, confirmation), for the paths
new, renew, upgrade and rejoin; alumni.urls adds alumni and alumni_renew.
"""

from django.urls import path, re_path

from .views import details, help, profile, wizard
from .wizard.base import start_url_name, step_url_name

STEP_PATTERN = r"(?P<step>profile|requirements|terms|confirmation)"


def wizard_urls(slug: str, app_path: str, view):
    return [
        re_path(rf"^apply/{slug}/$", view, name=start_url_name(app_path)),
        re_path(rf"^apply/{slug}/{STEP_PATTERN}/$", view, name=step_url_name(app_path)),
    ]


urlpatterns = [
    path("profile/", profile.profile_page, name="profile"),
    path("profile/details/", details.details_page, name="profile_details"),
    path("profile/mcp-ids/link/", details.mcp_id_claim_page, name="mcp_id_claim"),
    path("help/", help.help_page, name="help"),
    path(
        "apply/<uuid:public_id>/withdraw/",
        wizard.withdraw_application,
        name="apply_withdraw",
    ),
    *wizard_urls("new", "new", wizard.new_wizard),
    *wizard_urls("renew", "renew", wizard.renew_wizard),
    *wizard_urls("upgrade", "upgrade", wizard.upgrade_wizard),
    *wizard_urls("rejoin", "rejoin", wizard.rejoin_wizard),
]
