from django.test import RequestFactory

from mct_portal.links import portal_url
from mct_portal.middleware import client_ip


def test_portal_url_uses_the_configured_origin(settings):
    settings.PORTAL_BASE_URL = "https://mct.example.org"
    assert portal_url("/profile/") == "https://mct.example.org/profile/"


def test_portal_url_falls_back_to_the_trusted_origin_then_the_host(settings):
    settings.PORTAL_BASE_URL = ""
    settings.CSRF_TRUSTED_ORIGINS = ["https://portal.example.net/"]
    assert portal_url("/verify/") == "https://portal.example.net/verify/"
    settings.CSRF_TRUSTED_ORIGINS = []
    settings.ALLOWED_HOSTS = ["*", ".example.com", "mct.example.com"]
    settings.DEBUG = False
    assert portal_url("/x/") == "https://mct.example.com/x/"


def test_client_ip_ignores_forwarded_for_without_a_trusted_proxy(settings):
    settings.PROXY_COUNT = 0
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == "10.0.0.5"


def test_client_ip_takes_the_entry_the_trusted_proxy_appended(settings):
    settings.PROXY_COUNT = 1
    spoofed = "6.6.6.6, 203.0.113.9"  # the client wrote the first; the proxy appended the last
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=spoofed)
    assert client_ip(request) == "203.0.113.9"
    settings.PROXY_COUNT = 3
    assert client_ip(request) == "10.0.0.5"  # fewer hops than proxies: not believed
