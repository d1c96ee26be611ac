from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from enrollment.views import credentials

from . import health
from .admin_login import admin_login

admin.site.site_header = "MCT Portal administration"
admin.site.site_title = "MCT Portal admin"
admin.site.index_title = "Review queue and program administration"

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("healthz", health.healthz, name="healthz"),
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
