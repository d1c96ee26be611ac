from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from enrollment.views import credentials, language

from . import health
from .admin_login import admin_login

admin.site.site_header = "MCT Portal administration"
admin.site.site_title = "MCT Portal admin"
admin.site.index_title = "Review queue and program administration"

handler400 = "mct_portal.errors.bad_request"
handler403 = "mct_portal.errors.permission_denied"
handler404 = "mct_portal.errors.page_not_found"
handler500 = "mct_portal.errors.server_error"

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("healthz", health.healthz, name="healthz"),
    # The language menu: our view saves a trainer's choice, then does what Django's does.
    path("i18n/setlang/", language.set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("admin/login/", admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
    path("support/", include("enrollment.support.urls")),
    path("files/", include("verification.urls")),
    path("verify/", include("enrollment.verify_urls")),
    path("credentials/", include("enrollment.credential_urls")),
    path(".well-known/jwks.json", credentials.key_set, name="jwks"),
    path("", include("enrollment.payment_urls")),
    path("", include("enrollment.urls")),
]
