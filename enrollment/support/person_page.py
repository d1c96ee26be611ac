"""What the support person page shows at a glance, and its application lines explained.

Pure shaping of rows person_record() has already read: no queries here.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from ..enums import APPLICATION_OPEN, EmployerType, PaymentStatus, Program
from ..rules.membership_wording import UPCOMING, with_phases

# What each employer type means, for a reader who does not know the registration dialog.
EMPLOYER_EXPLAINED = {
    EmployerType.FTE: "a Microsoft employee",
    EmployerType.IMAGINE_ACADEMY: "teaches at a Microsoft Imagine Academy member institution",
    EmployerType.ACADEMIC: "teaches at a school, college or university",
    EmployerType.PARTNER: "works for a Microsoft Partner or Action Pack Partner",
    EmployerType.FREELANCER: "self-employed",
    EmployerType.GOVERNMENT: "works for a government body",
    EmployerType.OTHER: "none of the listed employers: not Microsoft, a partner, an academic "
    "institution, an Imagine Academy, a government body, and not self-employed",
}


@dataclass(frozen=True)
class DatedStep:
    on: datetime.datetime
    label: str


def application_timeline(application) -> list[DatedStep]:
    """The application's dates, oldest first, each saying what happened."""
    steps = [DatedStep(application.created_at, "started")]
    if application.terms_accepted_at:
        steps.append(DatedStep(application.terms_accepted_at, "terms accepted"))
    if application.submitted_at:
        steps.append(DatedStep(application.submitted_at, "submitted"))
    if application.decided_at:
        steps.append(DatedStep(application.decided_at, "decided"))
    for payment in application.payments.all():
        if payment.status == PaymentStatus.PAID and payment.paid_at:
            steps.append(DatedStep(payment.paid_at, f"paid {payment.amount} {payment.currency}"))
    if application.status in APPLICATION_OPEN and application.last_activity_at:
        steps.append(DatedStep(application.last_activity_at, "last change by the trainer"))
    return sorted(steps, key=lambda step: step.on)


def explain_applications(applications) -> list:
    """Each application with `timeline` and `employer_explained` for the template."""
    for application in applications:
        application.timeline = application_timeline(application)
        application.employer_explained = EMPLOYER_EXPLAINED.get(application.employer_type, "")
    return applications


def memberships_now(memberships, today: datetime.date | None = None) -> list:
    """Per program, the year that tells where the person stands today: the one covering
    today, else the one to come, else the last one; each with its phase."""
    years = with_phases(memberships, today or timezone.localdate())
    shown = []
    for program in (Program.MCT, Program.ALUMNI):
        mine = [y for y in years if y.program == program]
        if not mine:
            continue
        current = next((y for y in mine if y.phase.covers_today), None)
        upcoming = next((y for y in mine if y.phase.phase == UPCOMING), None)
        year = current or upcoming or max(mine, key=lambda y: (y.anniversary_on, y.pk))
        year.next_year = upcoming if current is not None else None
        shown.append(year)
    return shown
