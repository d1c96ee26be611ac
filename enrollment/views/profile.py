"""The trainer's home: membership, open applications and what to do next, the paths open to
them, their MCP IDs and certifications, and their transcript."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..credentials.services import trainer_credentials
from ..enums import MEMBERSHIP_OPEN, ApplicationPath, ApplicationStatus, Program
from ..forms.details import McpIdClaimForm
from ..paths.registry import path_definition
from ..rules.eligibility import (
    due_for_renewal,
    eligibility_for,
    paths_offered,
    standing_from,
    startable_paths,
)
from ..rules.membership_wording import UPCOMING, with_phases
from ..rules.memberships import days_left, renewal_window_opens
from ..rules.requirements import RequirementState, evaluate_requirements, is_qualifying
from ..selectors import applications as selectors
from ..selectors.mcp_ids import exam_transcript
from ..selectors.memberships import membership_history
from ..selectors.payments import trainer_payment_documents
from ..services.trainers import trainer_for
from ..templatetags.help_links import help_url, mcp_id_claim_url
from ..wizard.base import STEP_LABELS, path_start_url, payment_url, step_url_name
from .details import details_gate
from .your_data import your_data_context

# What a path that needs a qualifying certification (its definition's needs_certification)
# lets the trainer do, for "You need a qualifying certification to …"; a path not named here
# is called by its label.
BLOCKED_WHAT = {
    ApplicationPath.NEW: gettext_lazy("enroll as a new MCT"),
    ApplicationPath.RENEW: gettext_lazy("renew your MCT membership"),
    ApplicationPath.REJOIN: gettext_lazy("rejoin the MCT program"),
    ApplicationPath.UPGRADE: gettext_lazy("upgrade from Alumni to MCT"),
}


def _blocked_what(paths: list) -> str:
    """ "enroll as a new MCT or renew your MCT membership", in the active language."""
    phrases = [
        str(BLOCKED_WHAT.get(p) or _("start “%(path)s”") % {"path": path_definition(p).label})
        for p in paths
    ]
    if len(phrases) < 2:
        return "".join(phrases)
    return _("%(first)s or %(last)s") % {"first": ", ".join(phrases[:-1]), "last": phrases[-1]}


def _membership_card(years: list, program: str, today) -> dict | None:
    """One program's card, true on `today`: the year that covers the member (or the one to
    come, or the last one), the next year when it is already in place, and renewal."""
    mine = [y for y in years if y.program == program]
    if not mine:
        return None
    current = next((y for y in mine if y.phase.covers_today), None)
    upcoming = next((y for y in mine if y.phase.phase == UPCOMING), None)
    latest = max(mine, key=lambda y: (y.anniversary_on, y.pk))
    open_year = next((y for y in mine if y.status in MEMBERSHIP_OPEN), None)
    year = current or upcoming or latest
    card = {
        "year": year,
        "phase": year.phase,
        "next_year": upcoming if current is not None else None,
        "program_label": Program(program).label,
        "is_open": open_year is not None,
    }
    if open_year is not None:
        card["open_year"] = open_year
        card["days_left"] = days_left(open_year.anniversary_on, today)
        card["in_window"] = due_for_renewal(open_year, today, settings.RENEWAL_WINDOW_DAYS)
        card["window_opens"] = renewal_window_opens(
            open_year.anniversary_on, settings.RENEWAL_WINDOW_DAYS
        )
    return card


def _next_step(application, requirements) -> dict:
    """What the trainer must do next on an open application, and the link that does it."""
    status = application.status
    step_url = step_url_name(application.path)
    if status == ApplicationStatus.AWAITING_PAYMENT:
        return {
            "text": _("Everything is approved. Pay the program fee to complete your application."),
            "label": _("Pay the fee"),
            "url": payment_url(application),
        }
    if status == ApplicationStatus.READY:
        return {
            "text": _("Everything is approved. Check your application and submit it."),
            "label": _("Go to confirmation"),
            "url": reverse(step_url, kwargs={"step": "confirmation"}),
        }
    if status == ApplicationStatus.ACTION_REQUIRED:
        return {
            "text": _(
                "A file you uploaded was not accepted. Upload a new one on the Requirements step."
            ),
            "label": _("Upload a new file"),
            "url": reverse(step_url, kwargs={"step": "requirements"}),
        }
    if status == ApplicationStatus.IN_REVIEW:
        return {
            "text": _(
                "Your files are with our reviewers, who decide within 2–4 business days. "
                "We will email you; nothing is needed from you meanwhile."
            ),
            "label": _("View application"),
            "url": path_start_url(application.path),
            "secondary": True,
        }
    step = STEP_LABELS.get(application.current_step or "profile", STEP_LABELS["profile"])
    return {
        "text": _("Your draft is saved. Continue at the %(step)s step.") % {"step": step},
        "label": _("Continue application"),
        "url": path_start_url(application.path),
    }


@login_required
def profile_page(request: HttpRequest) -> HttpResponse:
    trainer = trainer_for(request.user)
    gate = details_gate(request, trainer, next_url=reverse("profile"), staff_exempt=True)
    if gate is not None:  # first sign-in: the registration details come first
        return gate
    # Staff without a trainer record of their own see an empty page; nothing is created.
    saved = trainer.pk is not None
    today = timezone.localdate()
    standing = selectors.membership_standing(trainer=trainer) if saved else standing_from(())
    certifications = selectors.trainer_certifications(trainer=trainer) if saved else []
    qualifying_ids = {
        c.certification_id
        for c in certifications
        if is_qualifying(
            qualifies_for_mct=c.certification.qualifies_for_mct, retired=c.certification.retired
        )
    }

    applications = []
    for application in selectors.open_applications(trainer=trainer) if saved else []:
        evidence = {e.kind: e for e in application.current_evidence_list}
        application.trainer = trainer
        requirements = evaluate_requirements(
            selectors.application_requirement_facts(
                application=application,
                today=today,
                qualifying_count=len(qualifying_ids),
                evidence=evidence,
                standing=standing,
            )
        )
        next_step = _next_step(application, requirements)
        eligibility = eligibility_for(
            application.path, standing, today, settings.RENEWAL_WINDOW_DAYS
        )
        if not eligibility.allowed and application.status != ApplicationStatus.AWAITING_PAYMENT:
            # E.g. a renewal draft whose membership lapsed meanwhile.
            next_step = {
                "text": format_lazy(
                    "{} {} {}",
                    _("This application can no longer go ahead."),
                    eligibility.reason,
                    _("You can withdraw it."),
                ),
                "label": "",
                "url": "",
            }
        applications.append(
            {
                "application": application,
                "requirements": requirements,
                "evidence": list(evidence.values()),
                "next": next_step,
                "can_withdraw": application.status != ApplicationStatus.AWAITING_PAYMENT,
                "all_met": all(r.state == RequirementState.MET for r in requirements),
            }
        )

    years = with_phases(membership_history(trainer=trainer) if saved else [], today)
    open_paths = {item["application"].path for item in applications}
    startable = startable_paths(standing, today, settings.RENEWAL_WINDOW_DAYS)
    offered, blocked = paths_offered(startable, has_qualifying=bool(qualifying_ids))
    actions = [
        {
            "path": path,
            "label": _(path_definition(path).action_label),
            "title": path_definition(path).label,
            "url": path_start_url(path),
            "slug": path_definition(path).slug,
        }
        for path in offered
        if path not in open_paths
    ]
    cancelled = [
        {
            "application": application,
            "can_reapply": application.path in offered,
            "label": _(path_definition(application.path).action_label),
            "url": path_start_url(application.path),
        }
        for application in (
            selectors.recently_cancelled(trainer=trainer, exclude_paths=open_paths) if saved else []
        )
    ]

    context = {
        "trainer": trainer,
        "today": today,
        "mct": _membership_card(years, Program.MCT, today),
        "alumni": _membership_card(years, Program.ALUMNI, today),
        "applications": applications,
        "actions": actions,
        "cancelled": cancelled,
        "mcp_ids": selectors.trainer_mcp_ids(trainer=trainer) if saved else [],
        "certifications": certifications,
        "qualifying_ids": qualifying_ids,
        # Paths the trainer could start but not finish: no qualifying certification yet.
        "blocked": [p for p in blocked if p not in open_paths],
        "blocked_what": _blocked_what([p for p in blocked if p not in open_paths]),
        "qualifying_catalog": selectors.qualifying_catalog() if blocked else [],
        "mcp_id_claim_url": mcp_id_claim_url(),
        "help_url": help_url(),
        "memberships": years,
        "exam_transcript": exam_transcript(trainer=trainer) if saved else [],
        "claim_form": McpIdClaimForm(),
        "credentials": trainer_credentials(trainer=trainer) if saved else [],
        "payment_documents": trainer_payment_documents(trainer=trainer) if saved else [],
        "your_data": your_data_context(trainer=trainer),
    }
    return render(request, "enrollment/profile.html", context)
