"""Staff sign in where everyone signs in: the portal's own page (email, lockouts, the same
rules), not the admin's separate username form."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode


def admin_login(request: HttpRequest):
    if request.user.is_authenticated:
        # Signed in, but the admin turned them away: not staff.
        raise PermissionDenied("Your account has no access to the administration.")
    target = request.GET.get("next") or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("admin:index")
    return HttpResponseRedirect(f"{reverse('account_login')}?{urlencode({'next': target})}")
