"""Error pages never read the request body: a body Django cannot parse is a clear 400."""

import pytest
from django.test import Client

from tests import factories

pytestmark = pytest.mark.django_db

URLS = ["/accounts/login/", "/apply/new/profile/", "/no-such-page/", "/support/"]
BAD_REQUEST_TEXT = "Something was wrong with that request"


def browser(*, signed_in: bool = False) -> Client:
    """A browser with a CSRF cookie, checking CSRF like production, showing error pages."""
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    if signed_in:
        client.force_login(factories.TrainerFactory().user)
    client.cookies["csrftoken"] = "a" * 32  # so the CSRF check reads the body for its token
    return client


def too_many_files() -> bytes:
    parts = [
        b'--xx\r\nContent-Disposition: form-data; name="f%d"; filename="a%d.txt"\r\n\r\nhi\r\n'
        % (i, i)
        for i in range(20)
    ]
    return b"".join(parts) + b"--xx--\r\n"


# Bodies Django refuses to parse: BadRequest, MultiPartParserError, TooManyFilesSent.
BODIES = {
    "utf-16 form": (
        "csrfmiddlewaretoken=x&login=a".encode("utf-16"),
        "application/x-www-form-urlencoded; charset=utf-16",
    ),
    "multipart without boundary": (b"--xx--\r\n", "multipart/form-data"),
    "too many files": (too_many_files(), "multipart/form-data; boundary=xx"),
}


@pytest.mark.parametrize("signed_in", [False, True])
@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("body", list(BODIES))
def test_a_body_django_cannot_parse_is_a_400_page_never_a_500(body, url, signed_in):
    content, content_type = BODIES[body]
    response = browser(signed_in=signed_in).generic("POST", url, content, content_type=content_type)
    page = response.content.decode()
    if url == "/no-such-page/":
        # Nothing there: the 404 page, which never parses the body it was sent.
        assert response.status_code == 404, (body, response.status_code)
        assert "Error 404" in page
    else:
        assert response.status_code == 400, (body, url, response.status_code)
        assert BAD_REQUEST_TEXT in page


@pytest.mark.parametrize("url", URLS)
def test_a_multipart_body_with_nothing_in_it_is_a_clear_page_not_a_500(url):
    response = browser().generic(
        "POST", url, b"--xx\r\nnot a part", content_type="multipart/form-data; boundary=xx"
    )
    assert response.status_code in (403, 404)
    assert "Error 500" not in response.content.decode()


def test_a_form_posted_without_its_token_gets_a_clear_403():
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    response = client.post("/accounts/login/", {"login": "a@example.org", "password": "x"})
    assert response.status_code == 403
    assert "That form had expired" in response.content.decode()
