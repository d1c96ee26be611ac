"""Error pages that never read the request body, and 503 when a dependency is down.

Django's default handlers render their templates with the request, and rendering a page
(context processors, middleware on the way out, the CSRF token) may touch `request.POST`.
When the body is what was wrong (a form posted as UTF-16, a broken or oversized multipart
body) that raises again inside the error page and turns a 400 into a 500. Every handler
here first replaces the parsed body with an empty one, so nothing can parse it again.

The 500 handler also looks at what went wrong: a request body Django could not parse is
answered 400, and a database or Redis that cannot be reached is answered 503 with
Retry-After (rendered without the request: the session and the user need the database).
"""

import logging
import sys

from django.core.exceptions import BadRequest
from django.db import DatabaseError, DataError, IntegrityError, ProgrammingError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.template import loader
from django.utils.datastructures import MultiValueDict
from kombu.exceptions import OperationalError as BrokerUnavailable
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeout

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
BODY_ERRORS = (BadRequest, MultiPartParserError, UnicodeDecodeError)


def forget_body(request: HttpRequest) -> None:
    """From now on request.POST and request.FILES are empty; the body is never parsed."""
    request._post = QueryDict()
    request._files = MultiValueDict()


def _render(template_name: str, request: HttpRequest | None, context: dict | None = None) -> str:
    template = loader.get_template(template_name)
    if request is None:
        return template.render(context or {})
    try:
        return template.render(context or {}, request)
    except Exception:
        # A context processor needs what is broken (the database behind the user): the page
        # is still shown, only without the personal navigation.
        logger.warning("Rendering %s with the request failed", template_name, exc_info=True)
        return template.render(context or {})


def _unavailable_error(exc: BaseException | None) -> bool:
    if exc is None:
        return False
    if isinstance(exc, DatabaseError) and not _is_data_error(exc):
        return True
    return isinstance(exc, RedisConnectionError | RedisTimeout | BrokerUnavailable)


def _is_data_error(exc: BaseException) -> bool:
    return isinstance(exc, DataError | IntegrityError | ProgrammingError)


def service_unavailable(request: HttpRequest | None = None) -> HttpResponse:
    response = HttpResponse(_render("503.html", None), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def bad_request(request: HttpRequest, exception=None, template_name: str = "400.html"):
    forget_body(request)
    return HttpResponse(_render(template_name, request), status=400)


def permission_denied(request: HttpRequest, exception=None, template_name: str = "403.html"):
    forget_body(request)
    return HttpResponse(_render(template_name, request), status=403)


def page_not_found(request: HttpRequest, exception=None, template_name: str = "404.html"):
    forget_body(request)
    return HttpResponse(_render(template_name, request), status=404)


def server_error(request: HttpRequest, template_name: str = "500.html"):
    forget_body(request)
    exc = sys.exc_info()[1]
    if isinstance(exc, BODY_ERRORS):
        return HttpResponse(_render("400.html", request), status=400)
    if _unavailable_error(exc):
        return service_unavailable(request)
    return HttpResponse(_render(template_name, None), status=500)


def csrf_failure(request: HttpRequest, reason: str = ""):
    """The CSRF check failed (or the body it needed could not be read): a clear 403."""
    forget_body(request)
    return HttpResponse(_render("403_csrf.html", request), status=403)
