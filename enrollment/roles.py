"""The portal's roles are Django groups; these are the only places that name them."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from verification.roles import REVIEWERS_GROUP, SUPPORT_GROUP

__all__ = ["REVIEWERS_GROUP", "SUPPORT_GROUP", "is_reviewer", "is_support"]


def _in_group(user: AbstractBaseUser | AnonymousUser, group_name: str) -> bool:
    if not user.is_authenticated:
        return False
    cache = getattr(user, "_portal_group_names", None)
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True))
        user._portal_group_names = cache
    return group_name in cache


def is_reviewer(user) -> bool:
    return _in_group(user, REVIEWERS_GROUP)


def is_support(user) -> bool:
    return _in_group(user, SUPPORT_GROUP)
