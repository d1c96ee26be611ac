"""The alumni wizards. No app_name (like enrollment.urls): apply_alumni, apply_alumni_step,
apply_alumni_renew and apply_alumni_renew_step."""

from enrollment.urls import wizard_urls

from . import views

urlpatterns = [
    *wizard_urls("alumni-renew", "alumni_renew", views.alumni_renew_wizard),
    *wizard_urls("alumni", "alumni", views.alumni_wizard),
]
