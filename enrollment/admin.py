from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.db.models.functions import Lower
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from core.admin_lists import LargeTableAdmin, found_rows, indexed_values_filter
from verification.admin import register_person_search

from . import models
from .enums import PaymentStatus
from .errors import DomainError
from .forms.exports import EXPORT_APPLICATIONS, EXPORT_MEMBERSHIPS, ExportForm, RevokeForm
from .payments import forms as payment_forms
from .rules.fees import format_money
from .services import exports as export_services
from .services import payments as payment_services
from .services.membership_ends import membership_revoke
from .support.selectors import normalise_query, trainer_search

# Searches that match more people than this are refined, not paged (as in the support console).
SEARCH_LIMIT = 200


def searched_trainer_ids(term: str) -> list[int]:
    """Trainers a search box term names, through the support console's indexed lookups
    (name with typos, email or its start, MCP ID, exam reference, MTM ID, partner ID)."""
    return [hit.trainer_id for hit in trainer_search(query=term, limit=SEARCH_LIMIT).hits]


def searched_user_ids(term: str) -> list[int]:
    """Sign-in accounts a term names: the searched trainers' accounts, an account whose
    sign-in address starts with the term, or whose username does (each an index range)."""
    term = normalise_query(term)
    if not term:
        return []
    users = get_user_model().objects
    trainer_ids = searched_trainer_ids(term)
    found = list(
        models.Trainer.objects.filter(pk__in=trainer_ids, user__isnull=False).values_list(
            "user_id", flat=True
        )
    )
    if " " in term:  # a name: no address or username holds a space
        return list(dict.fromkeys(found))
    found += (
        users.annotate(email_lower=Lower("email"))
        .filter(email_lower__startswith=term.lower())
        .order_by("email_lower")
        .values_list("pk", flat=True)[:SEARCH_LIMIT]
    )
    found += (
        users.filter(username__startswith=term)
        .order_by("username")
        .values_list("pk", flat=True)[:SEARCH_LIMIT]
    )
    return list(dict.fromkeys(found))


# The review queue, the outbound emails and the audit trail find people the same way.
register_person_search(searched_user_ids)


class TrainerSearchMixin:
    """Search through the support console's lookups: `search_trainer_path` leads from the
    listed model to its trainer ("" for the trainer itself). No LIKE scan, no DISTINCT."""

    search_trainer_path = "trainer"
    # The search box shows when this is not empty; the fields themselves are not used.
    search_fields = ["trainer"]

    def get_search_results(self, request, queryset, search_term):
        term = normalise_query(search_term)
        if not term:
            return queryset, False
        trainer_ids = searched_trainer_ids(term)
        if not self.search_trainer_path:
            return queryset.filter(pk__in=trainer_ids), False
        return found_rows(queryset, Q(**{f"{self.search_trainer_path}__in": trainer_ids})), False


@admin.register(models.Trainer)
class TrainerAdmin(TrainerSearchMixin, LargeTableAdmin):
    list_display = ["name", "email", "country", "mtm_id", "created_at"]
    # Served by trainer_name_lower_idx (the support search's index); -pk follows in an
    # incremental sort of each name's few rows.
    ordering = [Lower("last_name"), Lower("first_name")]
    sortable_by = ["name"]
    search_trainer_path = ""
    readonly_fields = ["verification_code", "created_at", "updated_at"]
    raw_id_fields = ["user"]

    @admin.display(description="Trainer", ordering=Lower("last_name"))
    def name(self, trainer: models.Trainer) -> str:
        return str(trainer)


@admin.register(models.McpId)
class McpIdAdmin(TrainerSearchMixin, LargeTableAdmin):
    list_display = ["value", "trainer", "is_primary", "created_at"]
    list_select_related = ["trainer"]
    ordering = ["value"]
    sortable_by = ["value"]
    raw_id_fields = ["trainer"]

    def get_search_results(self, request, queryset, search_term):
        term = normalise_query(search_term)
        if term.isdigit():  # the start of an MCP ID (the unique index's pattern twin)
            return queryset.filter(value__startswith=term), False
        return super().get_search_results(request, queryset, search_term)


@admin.register(models.ExamResult)
class ExamResultAdmin(TrainerSearchMixin, LargeTableAdmin):
    list_display = ["reference_number", "exam_code", "passed_on", "mcp_id"]
    list_select_related = ["mcp_id"]
    ordering = ["-passed_on", "-pk"]
    sortable_by = ["passed_on"]
    search_trainer_path = "mcp_id__trainer"
    raw_id_fields = ["mcp_id"]

    def get_search_results(self, request, queryset, search_term):
        term = normalise_query(search_term)
        if not term:
            return queryset, False
        # A reference number even when no MCP ID is linked to it yet.
        by_reference = queryset.filter(reference_number=term.upper())
        if by_reference.exists():
            return by_reference, False
        return super().get_search_results(request, queryset, search_term)


@admin.register(models.Certification)
class CertificationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "qualifies_for_mct", "retired"]
    list_filter = ["qualifies_for_mct", "retired"]
    search_fields = ["code", "name"]


@admin.register(models.EarnedCertification)
class EarnedCertificationAdmin(TrainerSearchMixin, LargeTableAdmin):
    list_display = ["mcp_id", "certification", "earned_on"]
    list_select_related = ["mcp_id", "certification"]
    ordering = ["-earned_on", "-pk"]
    sortable_by = ["earned_on"]
    search_trainer_path = "mcp_id__trainer"
    raw_id_fields = ["mcp_id"]


@admin.register(models.CredentialType)
class CredentialTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "active"]


@admin.register(models.PartnerOrganization)
class PartnerOrganizationAdmin(admin.ModelAdmin):
    list_display = ["partner_id", "name", "active"]
    list_filter = ["active"]
    search_fields = ["partner_id", "name"]


@admin.register(models.ImagineAcademyMember)
class ImagineAcademyMemberAdmin(admin.ModelAdmin):
    list_display = ["membership_id", "institution", "active"]
    search_fields = ["membership_id", "institution"]


@admin.register(models.MtmTrainingRecord)
class MtmTrainingRecordAdmin(LargeTableAdmin):
    list_display = ["mtm_id", "course_name", "delivered_on", "number_of_students", "average_score"]
    ordering = ["-delivered_on", "-pk"]
    sortable_by = ["delivered_on"]
    list_filter = [("delivered_on", admin.DateFieldListFilter)]
    search_fields = ["mtm_id"]

    def get_search_results(self, request, queryset, search_term):
        term = normalise_query(search_term)
        if not term:
            return queryset, False
        mtm_ids = {term, term.upper(), term.lower()}
        mtm_ids.update(
            models.Trainer.objects.filter(pk__in=searched_trainer_ids(term))
            .exclude(mtm_id="")
            .values_list("mtm_id", flat=True)
        )
        return found_rows(queryset, Q(mtm_id__in=mtm_ids)), False


class SuperuserActionsMixin:
    """Actions listed in `superuser_actions` are offered to program admins only."""

    superuser_actions: tuple[str, ...] = ()

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.is_superuser:
            for name in self.superuser_actions:
                actions.pop(name, None)
        return actions


def _require_superuser(request) -> None:
    if not request.user.is_superuser:
        raise PermissionDenied("Only program admins can export or revoke memberships.")


@admin.register(models.Membership)
class MembershipAdmin(SuperuserActionsMixin, TrainerSearchMixin, LargeTableAdmin):
    list_display = ["trainer", "program", "status", "starts_on", "anniversary_on"]
    # Served by membership_start_idx / membership_status_start_idx.
    ordering = ["-starts_on", "-pk"]
    sortable_by = ["starts_on"]
    list_filter = ["program", "status", ("anniversary_on", admin.DateFieldListFilter)]
    list_select_related = ["trainer"]
    raw_id_fields = ["trainer", "application"]
    # Status changes go through the services (lapse, revoke, renew), never a raw edit.
    readonly_fields = ["status", "status_reason", "status_changed_at", "reminders_sent"]
    actions = ["revoke_selected", "export_selected_csv"]
    superuser_actions = ("revoke_selected", "export_selected_csv")

    def get_urls(self):
        export = path(
            "export/",
            self.admin_site.admin_view(self.export_view),
            name="enrollment_membership_export",
        )
        return [export, *super().get_urls()]

    def export_view(self, request):
        """Filter form; a valid submission streams the CSV of memberships or applications."""
        _require_superuser(request)
        if "download" in request.GET:
            form = ExportForm(request.GET)
        else:
            form = ExportForm(initial={"kind": request.GET.get("kind", EXPORT_MEMBERSHIPS)})
        if form.is_bound and form.is_valid():
            filters = form.filters()
            if form.cleaned_data["kind"] == EXPORT_APPLICATIONS:
                return export_services.export_applications(filters)
            return export_services.export_memberships(filters)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Export memberships and applications",
            "form": form,
        }
        return TemplateResponse(request, "admin/enrollment/membership/export.html", context)

    @admin.action(description="Export selected memberships as CSV")
    def export_selected_csv(self, request, queryset):
        _require_superuser(request)
        memberships = queryset.select_related("trainer").order_by("starts_on", "pk")
        return export_services.stream_csv(
            export_services.membership_rows(memberships.iterator(chunk_size=2000)),
            filename=export_services.export_filename("memberships"),
        )

    @admin.action(description="Revoke selected memberships…")
    def revoke_selected(self, request, queryset):
        """Asks for the reason on an intermediate page, then revokes each current year."""
        _require_superuser(request)
        form = RevokeForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            revoked, refused = 0, []
            for membership in queryset.select_related("trainer"):
                try:
                    membership_revoke(
                        membership=membership, by=request.user, reason=form.cleaned_data["reason"]
                    )
                    revoked += 1
                except DomainError as error:
                    refused.append(f"{membership.trainer}: {error.message}")
            if revoked:
                self.message_user(
                    request, f"Revoked {revoked} membership(s); each trainer was emailed."
                )
            for message in refused:
                self.message_user(request, message, level=messages.WARNING)
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Revoke memberships",
            "explanation": "Revoking ends a current membership at once. The trainer is emailed "
            "the reason below, the public verification page says the membership was revoked, "
            "and the decision is kept in the audit trail.",
            "items_title": "Memberships to revoke",
            "objects": queryset.select_related("trainer"),
            "action": "revoke_selected",
            "form": form,
            "button": "Revoke",
            "back_label": "Cancel",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/enrollment/membership/revoke.html", context)


@admin.register(models.TermsVersion)
class TermsVersionAdmin(admin.ModelAdmin):
    list_display = ["document", "version", "published_at"]


@admin.register(models.Application)
class ApplicationAdmin(SuperuserActionsMixin, TrainerSearchMixin, LargeTableAdmin):
    list_display = ["trainer", "path", "status", "submitted_at", "decided_at", "created_at"]
    # Served by application_created_idx and, filtered, its status and path twins.
    ordering = ["-created_at", "-pk"]
    sortable_by = ["created_at"]
    list_filter = ["path", "status"]
    list_select_related = ["trainer"]
    raw_id_fields = ["trainer", "partner", "imagine_academy"]
    readonly_fields = ["draft_data"]
    actions = ["export_selected_csv"]
    superuser_actions = ("export_selected_csv",)

    @admin.action(description="Export selected applications as CSV")
    def export_selected_csv(self, request, queryset):
        _require_superuser(request)
        applications = queryset.select_related("trainer").order_by("created_at", "pk")
        return export_services.stream_csv(
            export_services.application_rows(applications.iterator(chunk_size=2000)),
            filename=export_services.export_filename("applications"),
        )


@admin.register(models.Evidence)
class EvidenceAdmin(TrainerSearchMixin, LargeTableAdmin):
    list_display = ["application", "kind", "document", "is_current", "created_at"]
    list_select_related = ["application__trainer", "document"]
    ordering = ["-pk"]
    sortable_by = []
    search_trainer_path = "application__trainer"
    list_filter = ["kind", "is_current"]
    raw_id_fields = ["application", "document"]


@admin.register(models.Fee)
class FeeAdmin(admin.ModelAdmin):
    form = payment_forms.FeeAdminForm
    list_display = ["program", "currency", "amount"]
    list_filter = ["program", "currency"]


@admin.register(models.DiscountCode)
class DiscountCodeAdmin(admin.ModelAdmin):
    form = payment_forms.DiscountCodeAdminForm
    list_display = ["code", "percent_off", "program", "active", "valid_until", "uses"]
    list_filter = ["active", "program"]
    search_fields = ["code"]
    # Counted by payment_confirm; an edit by hand would lose uses.
    readonly_fields = ["times_used"]

    @admin.display(description="Uses", ordering="times_used")
    def uses(self, code: models.DiscountCode) -> str:
        return f"{code.times_used} of {code.max_uses}" if code.max_uses else str(code.times_used)


@admin.register(models.Payment)
class PaymentAdmin(TrainerSearchMixin, LargeTableAdmin):
    """Payments are never edited by hand: their status changes through the actions, which
    call the payment services (and so approve or close the application)."""

    list_display = [
        "__str__",
        "reference",
        "trainer",
        "application_path",
        "amount_due",
        "status",
        "provider",
        "discount_code",
        "created_at",
        "paid_at",
    ]
    list_filter = [
        "status",
        indexed_values_filter("provider"),
        "currency",
        ("created_at", admin.DateFieldListFilter),
    ]
    list_select_related = ["application__trainer", "discount_code"]
    # Served by payment_created_idx and, filtered by status, payment_status_created_idx.
    ordering = ["-created_at", "-pk"]
    sortable_by = ["created_at"]
    search_trainer_path = "application__trainer"
    fields = [
        "application",
        "amount",
        "currency",
        "status",
        "provider",
        "reference",
        "provider_payment_id",
        "discount_code",
        "billing_name",
        "billing_address",
        "billing_vat_id",
        "documents_pdf",
        "created_at",
        "paid_at",
        "refunded_at",
        "updated_at",
    ]
    readonly_fields = fields
    actions = ["mark_invoice_paid", "cancel_payments", "refund_payments"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_search_results(self, request, queryset, search_term):
        term = normalise_query(search_term)
        by_reference = queryset.filter(reference=term)
        if term and by_reference.exists():
            return by_reference, False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description="Trainer")
    def trainer(self, payment: models.Payment):
        return payment.application.trainer

    @admin.display(description="Path")
    def application_path(self, payment: models.Payment) -> str:
        return payment.application.get_path_display()

    @admin.display(description="Invoice and credit note")
    def documents_pdf(self, payment: models.Payment) -> str:
        links = [
            format_html(
                '<a href="{}">{} {}</a>',
                reverse("payment_document", kwargs={"number": document.number}),
                document.get_kind_display(),
                document.number,
            )
            for document in payment.documents.all()
        ]
        return format_html_join(", ", "{}", ((link,) for link in links)) if links else "—"

    @admin.display(description="Amount")
    def amount_due(self, payment: models.Payment) -> str:
        return format_money(payment.amount, payment.currency, "en")  # staff pages: English

    @admin.action(description="Mark invoice paid", permissions=["change"])
    def mark_invoice_paid(self, request, queryset):
        """Confirms pending invoices: each application is approved and the trainer emailed."""
        confirmed = 0
        for payment in queryset.select_related("application__trainer"):
            if payment.provider != "invoice" or payment.status != PaymentStatus.PENDING:
                self.message_user(
                    request,
                    f"{payment.reference or payment}: only a pending invoice can be marked "
                    f"paid (this is a {payment.get_status_display().lower()} "
                    f"{payment.provider} payment).",
                    level=messages.WARNING,
                )
                continue
            try:
                payment_services.payment_confirm(payment=payment, by=request.user)
            except DomainError as error:
                self.message_user(
                    request, f"{payment.reference}: {error.message}", level=messages.ERROR
                )
                continue
            confirmed += 1
        if confirmed:
            self.message_user(
                request,
                f"Marked {confirmed} invoice(s) paid; the applications are approved and the "
                "trainers emailed.",
            )

    @admin.action(description="Cancel payment…", permissions=["change"])
    def cancel_payments(self, request, queryset):
        return self._with_reason(
            request,
            queryset,
            action="cancel_payments",
            title="Cancel payments",
            explanation=(
                "Cancelling a pending payment closes its application (payment cancelled) and "
                "emails the trainer, who can apply again. Paid payments are refunded instead."
            ),
            button="Cancel payments",
            service=payment_services.payment_cancel,
            done="Cancelled {count} payment(s); the applications are closed.",
        )

    @admin.action(description="Refund payment…", permissions=["change"])
    def refund_payments(self, request, queryset):
        return self._with_reason(
            request,
            queryset,
            action="refund_payments",
            title="Refund payments",
            explanation=(
                "Refunding gives the money of a paid payment back: a card payment is refunded "
                'through Stripe (the payment shows "refund pending" until Stripe confirms), '
                "an invoice paid by bank transfer is recorded as refunded at once. Each refund "
                "issues a credit note and emails it to the trainer. The membership is not "
                "changed: revoke it from Memberships if the trainer should leave the program."
            ),
            button="Refund payments",
            service=payment_services.payment_refund,
            done=(
                "Refunded {count} payment(s); card refunds show as refund pending until "
                "Stripe confirms them. Memberships were not changed: revoke them "
                "separately if needed."
            ),
        )

    def _with_reason(self, request, queryset, *, action, title, explanation, button, service, done):
        """An intermediate page asks for the reason, then runs `service` on each payment."""
        form = payment_forms.PaymentActionForm(request.POST if "apply" in request.POST else None)
        payments = queryset.select_related("application__trainer")
        if form.is_bound and form.is_valid():
            count = 0
            for payment in payments:
                try:
                    service(payment=payment, by=request.user, reason=form.cleaned_data["reason"])
                except DomainError as error:
                    label = payment.reference or payment
                    self.message_user(request, f"{label}: {error.message}", level=messages.ERROR)
                    continue
                count += 1
            if count:
                self.message_user(request, done.format(count=count))
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "explanation": explanation,
            "button": button,
            "action": action,
            "items_title": "Payments",
            "form": form,
            "objects": payments,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/enrollment/payment/action_reason.html", context)


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class PortalUserAdmin(LargeTableAdmin, UserAdmin):
    """Django's user admin over a million sign-in accounts: ordered by the username's unique
    index, searched by index ranges (see `searched_user_ids`); the staff, superuser and
    inactive filters are served by partial indexes (migration 0008)."""

    ordering = ["username"]
    sortable_by = ["username"]

    def get_search_results(self, request, queryset, search_term):
        if not normalise_query(search_term):
            return queryset, False
        return queryset.filter(pk__in=searched_user_ids(search_term)), False


from . import admin_onboarding  # noqa: E402, F401  (issue 9: feedback, duplicates, claims)
