"""The Reviewers group's permissions: what the review queue needs and nothing more."""

from django.contrib.auth.models import Group, Permission

REVIEWERS_GROUP = "Reviewers"
SUPPORT_GROUP = "Support"
REVIEWER_PERMISSIONS = ("view_document", "change_document")


def ensure_role_groups(**kwargs) -> None:
    """Creates the role groups and gives Reviewers their permissions; safe to run again.

    Connected to post_migrate, so the groups exist after every migrate and after a flush
    (which empties the tables a data migration filled)."""
    reviewers, _ = Group.objects.get_or_create(name=REVIEWERS_GROUP)
    reviewers.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="verification", codename__in=REVIEWER_PERMISSIONS
        )
    )
    Group.objects.get_or_create(name=SUPPORT_GROUP)
