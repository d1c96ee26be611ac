"""Admin views of what issue 9 adds: feedback, possible duplicates, claim attempts.

Read-mostly: support works feedback and duplicates in the support inbox (/support/inbox/);
the admin lets program admins look things up. Imported by admin.py.
"""

from django.contrib import admin

from core.admin_lists import LargeTableAdmin

from . import models


@admin.register(models.Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["pk", "created_at", "topic", "user", "email", "handled_at"]
    list_filter = ["topic", ("handled_at", admin.EmptyFieldListFilter)]
    search_fields = ["message", "email", "name"]
    readonly_fields = ["user", "created_at", "handled_at", "handled_by", "page"]


@admin.register(models.DuplicateClaimFlag)
class DuplicateClaimFlagAdmin(admin.ModelAdmin):
    list_display = ["mcp_id", "claimant", "holder", "created_at", "handled_at"]
    list_filter = [("handled_at", admin.EmptyFieldListFilter)]
    raw_id_fields = ["mcp_id", "claimant", "holder"]
    readonly_fields = ["created_at", "handled_at", "handled_by"]


@admin.register(models.McpIdClaimAttempt)
class McpIdClaimAttemptAdmin(LargeTableAdmin):
    list_display = ["value", "trainer", "succeeded", "created_at"]
    list_select_related = ["trainer"]
    list_filter = ["succeeded"]
    ordering = ["-pk"]
    sortable_by = []
    search_fields = ["value"]
    raw_id_fields = ["trainer"]

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        return (queryset.filter(value=term), False) if term else (queryset, False)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
