"""The help page (/help/) and its feedback form; both work without JavaScript (issue 9)."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from ..forms.help import FeedbackForm
from ..services.feedback import feedback_submit


def feedback_rate(group, request) -> str:
    return settings.FEEDBACK_RATE_LIMIT


def support_contact() -> dict:
    """The support contact from settings; each part only when it is set."""
    return {"email": settings.SUPPORT_EMAIL.strip(), "phone": settings.SUPPORT_PHONE.strip()}


@require_http_methods(["GET", "POST"])
@ratelimit(key="user_or_ip", rate=feedback_rate, method="POST", block=False)
def help_page(request: HttpRequest) -> HttpResponse:
    signed_in = request.user.is_authenticated
    if request.method == "POST" and getattr(request, "limited", False):
        response = render(
            request,
            "enrollment/help.html",
            {
                **_context(),
                "form": FeedbackForm(request.POST, signed_in=signed_in),
                "limited": True,
            },
            status=429,
        )
        response["Retry-After"] = "3600"
        return response
    form = FeedbackForm(request.POST if request.method == "POST" else None, signed_in=signed_in)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        feedback_submit(
            user=request.user,
            name=data.get("name", ""),
            email=data.get("email", ""),
            topic=data["topic"],
            message=data["message"],
            page=request.headers.get("Referer", "")[:200],
        )
        messages.success(request, _("Thank you: your message has reached the support team."))
        return redirect(f"{reverse('help')}#feedback-title")
    return render(request, "enrollment/help.html", {**_context(), "form": form})


def _context() -> dict:
    return {
        "support": support_contact(),
        "program_home_url": settings.PROGRAM_HOME_URL,
        "program_guide_url": settings.PROGRAM_GUIDE_URL,
    }


@require_http_methods(["GET"])
def accessibility_page(request: HttpRequest) -> HttpResponse:
    """The accessibility statement: what the portal meets, how it is tested, how to report."""
    return render(request, "accessibility.html", {"support": support_contact()})
