from django.urls import path

from . import views

app_name = "verification"

urlpatterns = [
    path("<uuid:public_id>/download/", views.document_download, name="document_download"),
    path("<uuid:public_id>/preview/", views.document_preview, name="document_preview"),
    path("<uuid:public_id>/pages/<int:number>/", views.document_page, name="document_page"),
]
