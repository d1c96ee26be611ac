from django.http import HttpRequest

from enrollment.roles import is_reviewer, is_support


def portal(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"is_support": False, "is_reviewer": False, "portal_user_name": ""}
    return {
        "is_support": is_support(user),
        "is_reviewer": is_reviewer(user),
        "portal_user_name": user.get_full_name() or user.email,
    }
