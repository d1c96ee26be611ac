from django.urls import path

from .views import verify

urlpatterns = [
    path("<str:code>/", verify.verify_page, name="verify"),
]
