"""Server-side role checks for views."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from .roles import is_support


def support_required(view):
    """Support group only: anonymous users go to sign in, everyone else gets 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_support(request.user):
            raise PermissionDenied("The support console is for the support team.")
        return view(request, *args, **kwargs)

    return wrapper
