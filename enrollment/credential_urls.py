from django.urls import path

from .views import credentials

app_name = "credentials"

urlpatterns = [
    path("issuer", credentials.issuer, name="issuer"),
    path("keys", credentials.key_set, name="keys"),
    path("achievements/<slug:program>", credentials.achievement, name="achievement"),
    path("status/<int:number>", credentials.status_list, name="status_list"),
    path("<uuid:public_id>.jwt", credentials.credential_file, name="file"),
    path("<uuid:public_id>/qr.png", credentials.credential_qr, name="qr"),
    path(
        "<uuid:public_id>/certificate-<slug:paper>.pdf",
        credentials.certificate,
        name="certificate",
    ),
    path("<uuid:public_id>/card.png", credentials.membership_card, name="card"),
]
