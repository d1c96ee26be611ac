"""The wizard of every application path (docs/architecture.md: the path registry).

One named-URL wizard per path, on formtools' NamedUrlSessionWizardView, with what formtools
does not do (docs: docs/wizard.md):

- The draft lives in the database (storage.DraftStorage): sign out, come back on another
  device, continue at the same step with the same data and uploads.
- The management-form prefix derives from the application's public id, so pages of two
  paths (or a stale page of an earlier application) never write into each other.
- Opening a wizard writes nothing: before the draft exists its first step renders from an
  unsaved application, and the first valid POST starts it (`application_begin`).
- Direct step URLs are guarded: a step opens only once every earlier step is complete.
- A tampered current step answers 400; a page of another (or closed) application is sent
  where that application is now; nothing here ends in a 500.
- Passcodes are sent and checked in their own POST actions (wizard/passcodes.py); clean()
  only compares.
- Uploads go to verification when a step is saved (never the wizard's file storage).
- Submitting happens on the POST of the confirmation step through one service
  (application_submit), which is idempotent; `done()` never runs on a GET.
"""

import functools
import uuid
from collections import OrderedDict

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from formtools.wizard.forms import ManagementForm
from formtools.wizard.views import NamedUrlSessionWizardView, StepsHelper

from core.forms import CheapCopyForm
from core.l10n import long_date
from verification.enums import PasscodePurpose

from ..enums import ApplicationStatus, Program, TermsDocument
from ..errors import DomainError, InvalidTransition
from ..forms.wizard import PASSCODE_ACTIONS
from ..models import Application
from ..paths.registry import (
    PathDefinition,
    path_definition,
    rejoin_path,
    start_url,
    start_url_name,
    step_url_name,
)
from ..rules.eligibility import due_for_renewal, eligibility_for, standing_from
from ..rules.memberships import days_left
from ..rules.requirements import RequirementState
from ..selectors import applications as selectors
from ..services.applications import (
    application_accept_terms,
    application_as_reevaluated,
    application_begin,
    application_reevaluate,
    application_save_profile,
    application_save_requirements,
    application_submit,
)
from ..services.evidence import WAIVER_FIELDS, evidence_would_carry_over
from ..services.trainers import trainer_for
from ..views.details import details_gate
from .context import StepContext
from .draft_data import draft_values
from .passcodes import PasscodeStepMixin
from .storage import DraftStorage, WizardTempStorage

STEP_LABELS = {
    "profile": gettext_lazy("Profile"),
    "requirements": gettext_lazy("Requirements"),
    "terms": gettext_lazy("Terms"),
    "confirmation": gettext_lazy("Confirmation"),
}
PREFIX_START = "app_"
# The prefix of a path's first page before its draft exists (a GET writes nothing), with
# the path: its first valid POST starts the draft, and a second click or tab posting it
# joins that draft.
NEW_PREFIX = PREFIX_START + "new_{path}"


__all__ = ["ApplicationWizard", "path_start_url", "payment_url", "start_url_name", "step_url_name"]

path_start_url = start_url


def payment_url(application) -> str:
    """The payment page of an application awaiting payment (the payments module's URL)."""
    return reverse("payment", kwargs={"public_id": application.public_id})


@functools.lru_cache(maxsize=256)
def _step_url(url_name: str, step: str, prefix: str, urlconf) -> str:
    """A step's URL (the stepper links every step on every page; reversing is not free)."""
    return reverse(url_name, kwargs={"step": step}, urlconf=urlconf)


def bad_request(request, message: str):
    content = render_to_string("400.html", {"reason": message}, request=request)
    return HttpResponseBadRequest(content)


def _save_profile(application, user, form):
    return application_save_profile(application=application, by=user, values=form.profile_values())


def _save_requirements(application, user, form):
    return application_save_requirements(
        application=application, by=user, **form.requirement_values()
    )


def _accept_terms(application, user, form):
    versions = selectors.current_terms(documents=form.documents())
    return application_accept_terms(
        application=application, by=user, versions=list(versions.values())
    )


# The service that saves each step: (application, user, valid form) -> the saved application.
STEP_SERVICES = {
    "profile": _save_profile,
    "requirements": _save_requirements,
    "terms": _accept_terms,
}


class StepManagementForm(CheapCopyForm, ManagementForm):
    """formtools' management form (the current step, hidden), copying its field cheaply."""


class ApplicationWizard(PasscodeStepMixin, NamedUrlSessionWizardView):
    """The wizard of every path: its steps, forms and templates come from its definition."""

    definition: PathDefinition
    file_storage = WizardTempStorage()

    @classmethod
    def for_path(cls, definition: PathDefinition):
        """The view of one path (enrollment.urls makes one per registered path)."""
        wizard = type(
            f"{definition.path.title().replace('_', '')}Wizard",
            (cls,),
            {"definition": definition, "form_list": list(definition.steps)},
        )
        return wizard.as_view(url_name=step_url_name(definition.path))

    @property
    def path(self) -> str:
        return self.definition.path

    @property
    def template_app(self) -> str:
        return self.definition.template_app

    # ------------------------------------------------------------------ dispatch

    def get_prefix(self, request, *args, **kwargs):
        new = self.new_prefix
        if self.application.pk is None or self._posted_prefix(request) == new:
            return new
        return f"{PREFIX_START}{self.application.public_id.hex}"

    @property
    def new_prefix(self) -> str:
        return NEW_PREFIX.format(path=self.path)

    @staticmethod
    def _posted_prefix(request) -> str | None:
        if request.method != "POST":
            return None
        return next(
            (
                key[: -len("-current_step")]
                for key in request.POST
                if key.startswith(PREFIX_START) and key.endswith("-current_step")
            ),
            None,
        )

    def dispatch(self, request, *args, **kwargs):
        """Reads only: the draft (and the trainer record) start on the first valid POST
        (`start_draft`), so a GET by anyone, eligible or not, leaves nothing behind."""
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        self.today = timezone.localdate()
        # The trainer record as the language middleware has already read it (no second
        # read; the wizard edits it only through services), then the draft.
        self.trainer = trainer_for(request.user, shared=True)
        application, verified = None, None
        if self.trainer.pk is None:
            self.standing = standing_from(())
        else:
            records = selectors.wizard_records(trainer=self.trainer, path=self.path)
            application, self.standing = records.application, records.standing
            verified = records.verified_addresses

        if request.method == "POST":
            elsewhere = self._post_for_another_application(request, application)
            if elsewhere is not None:
                return elsewhere

        if application is not None and application.status == ApplicationStatus.AWAITING_PAYMENT:
            return redirect(payment_url(application))
        self.eligibility = eligibility_for(
            self.path, self.standing, self.today, settings.RENEWAL_WINDOW_DAYS
        )
        if not self.eligibility.allowed:
            return self.render_not_eligible()
        carried_over = None
        if application is None:
            # Registration details (and the NDA) come before any application (issue 9).
            gate = details_gate(request, self.trainer, next_url=path_start_url(self.path))
            if gate is not None:
                return gate
            # Not saved: what the draft would start from, until the first valid POST.
            application = Application(
                trainer=self.trainer,
                path=self.path,
                **selectors.prefill_for_path(trainer=self.trainer, path=self.path),
            )
            carried_over = evidence_would_carry_over(trainer=self.trainer, path=self.path)
        self.application = application

        # What formtools' dispatch does, with the draft-backed storage.
        self.prefix = self.get_prefix(request, *args, **kwargs)
        self.storage = DraftStorage(
            self.prefix, request, self.file_storage, application=application
        )
        self.steps = StepsHelper(self)
        self.step_context = StepContext(
            application=application,
            trainer=self.trainer,
            standing=self.standing,
            today=self.today,
            evidence=carried_over,
            verified_addresses=verified,
        )
        response = TemplateView.dispatch(self, request, *args, **kwargs)
        if request.method == "POST" and self.application.pk is not None:
            self.storage.update_response(response)
        return response

    def start_draft(self) -> None:
        """The first valid POST: the draft starts now (with what carries over), through one
        service in one transaction; the storage then works on it."""
        if self.application.pk is not None:
            return
        application = application_begin(
            trainer=self.trainer,
            path=self.path,
            by=self.request.user,
            initial=selectors.prefill_for_path(trainer=self.trainer, path=self.path),
        )
        step = self.storage.current_step
        self.application = application
        self.trainer = application.trainer
        self.storage = DraftStorage(
            self.prefix, self.request, self.file_storage, application=application
        )
        self.storage.current_step = step
        self.step_context.trainer = self.trainer
        self.step_context.forget_application_facts(application)

    def _post_for_another_application(self, request, application):
        """A page of an earlier application of this trainer (a double click on Submit, a
        replayed POST, a stale tab): send them to where that application is now."""
        prefix = self._posted_prefix(request)
        if prefix is None or prefix == self.new_prefix:
            return None
        try:
            public_id = uuid.UUID(hex=prefix[len(PREFIX_START) :])
        except ValueError:
            return None
        if application is not None and application.public_id == public_id:
            return None  # this very application: nothing to read again
        if self.trainer.pk is None:
            return None
        posted = selectors.owned_application(trainer=self.trainer, public_id=public_id)
        if posted is None or posted.path != self.path:
            return None
        if posted.status == ApplicationStatus.AWAITING_PAYMENT:
            return redirect(payment_url(posted))
        if posted.status == ApplicationStatus.APPROVED:
            messages.info(request, _("This application has already been submitted and approved."))
            return redirect("profile")
        if posted.status in (ApplicationStatus.WITHDRAWN, ApplicationStatus.PAYMENT_CANCELLED):
            messages.warning(
                request,
                _(
                    "That page belonged to an application that is no longer open, so nothing "
                    "was saved from it."
                ),
            )
            return redirect("profile")
        return None

    def render_not_eligible(self):
        context = {
            "path": self.path,
            "path_label": self.definition.label,
            "eligibility": self.eligibility,
            "alternatives": [
                {
                    "path": p,
                    "label": _(path_definition(p).action_label),
                    "title": path_definition(p).label,
                    "url": path_start_url(p),
                }
                for p in self.eligibility.instead
            ],
        }
        return render(self.request, "enrollment/wizard/not_eligible.html", context, status=403)

    # ------------------------------------------------------------------ steps

    def get_step_url(self, step):
        urlconf = get_urlconf() or settings.ROOT_URLCONF
        return _step_url(self.url_name, step, get_script_prefix(), urlconf)

    def first_incomplete_before(self, step: str) -> str | None:
        """The first earlier step not completed yet (a step opens only after them)."""
        completed = self.storage.completed_steps
        for name in self.get_form_list():
            if name == step:
                return None
            if name not in completed:
                return name
        return None

    def resume_step(self) -> str:
        steps = list(self.get_form_list())
        current = self.storage.current_step
        if current in steps and self.first_incomplete_before(current) is None:
            return current
        return next((s for s in steps if s not in self.storage.completed_steps), steps[-1])

    def get(self, request, *args, **kwargs):
        step = kwargs.get("step")
        if step is None or step not in self.get_form_list():
            return redirect(self.get_step_url(self.resume_step()))
        blocked = self.first_incomplete_before(step)
        if blocked is not None:
            return redirect(self.get_step_url(blocked))
        # Where the trainer is, for this page only: a GET writes nothing (the draft keeps the
        # step its last POST sent them to).
        self.storage.current_step = step
        return self.render(self.get_form(step))

    def post(self, request, *args, **kwargs):
        url_step = kwargs.get("step")
        management = StepManagementForm(request.POST, prefix=self.prefix)
        if not management.is_valid():
            messages.warning(
                request,
                _(
                    "That page was out of date, so nothing was saved from it. You can continue "
                    "your application here."
                ),
            )
            return redirect(self.get_step_url(self.resume_step()))
        step = management.cleaned_data["current_step"]
        if step not in self.get_form_list() or step != url_step:
            return bad_request(request, _("The form named a step that does not exist here."))
        blocked = self.first_incomplete_before(step)
        if blocked is not None:
            messages.warning(
                request, _("Complete the %(step)s step first.") % {"step": STEP_LABELS[blocked]}
            )
            return redirect(self.get_step_url(blocked))
        self.storage.current_step = step

        goto = request.POST.get("wizard_goto_step")
        if goto:
            if goto not in self.get_form_list():
                return bad_request(request, _("The form named a step that does not exist here."))
            self.start_draft()
            return self._save_and_go(step, goto)

        action = request.POST.get("action", "")
        if action in PASSCODE_ACTIONS and self.has_passcodes(step):
            self.start_draft()
            return self.passcode_post(step, action)

        form = self.get_form(step, data=request.POST, files=request.FILES)
        if not form.is_valid():
            return self.render(form)
        self.start_draft()
        try:
            self.save_step(step, form)
        except DomainError as error:
            form.add_error(None, error.message)
            return self.render(form)
        self.storage.set_step_data(step, draft_values(form, form.data))
        self.storage.mark_completed(step)
        if step == self.steps.last:
            return self.render_done(form, **kwargs)
        next_step = self.get_next_step(step)
        self.storage.current_step = next_step
        return redirect(self.get_step_url(next_step))

    def _save_and_go(self, step: str, goto: str):
        """Back keeps what was typed: saved (and the step completed) when it is valid,
        kept as typed otherwise."""
        form = self.get_form(step, data=self.request.POST, files=self.request.FILES)
        saved = False
        if form.is_valid():
            try:
                self.save_step(step, form)
                saved = True
            except DomainError:
                saved = False
        self.storage.set_step_data(step, draft_values(form, self.request.POST))
        self.storage.mark_completed(step, saved)
        self.storage.current_step = goto
        return redirect(self.get_step_url(goto))

    def get_form(self, step=None, data=None, files=None, **extra):
        if step is None:
            step = self.steps.current
        form_class = self.get_form_list()[step]
        return form_class(
            data=data,
            files=files,
            prefix=self.get_form_prefix(step, form_class),
            initial=self.get_form_initial(step) if data is None else {},
            context=self.step_context,
            **extra,
        )

    def get_form_initial(self, step):
        """The trainer's saved answers for the step; before that, the current record."""
        stored = self.storage.get_step_data(step)
        if stored:
            own = f"{step}-"
            return {
                key[len(own) :]: values[-1] if len(values) == 1 else values
                for key, values in stored.lists()
                if key.startswith(own) and values
            }
        extra = dict(self.storage.data[self.storage.extra_data_key])
        extra.update(self.initial_extra(step))
        return self.get_form_list()[step].initial_from(self.application, extra)

    def initial_extra(self, step: str) -> dict:
        """What a step's form shows of the current records beyond the draft (the renewal
        waiver already declared); the form asks for it with `initial_extra_kinds`."""
        kinds = getattr(self.get_form_list()[step], "initial_extra_kinds", {})
        extra = {}
        for key, kind in kinds.items():
            evidence = self.step_context.evidence.get(kind)
            if evidence is not None:
                extra[key] = {name: getattr(evidence, name) for name in WAIVER_FIELDS}
        return extra

    def render_done(self, form, **kwargs):
        """Revalidates every step from the draft, then submits; nothing runs on a GET."""
        final_forms = OrderedDict()
        for name in self.get_form_list():
            step_form = self.get_form(name, data=self.storage.get_step_data(name))
            if not step_form.is_valid():
                self.storage.mark_completed(name, False)
                self.storage.current_step = name
                messages.error(
                    self.request,
                    _("Something on the %(step)s step needs your attention before you can submit.")
                    % {"step": STEP_LABELS[name]},
                )
                return redirect(self.get_step_url(name))
            final_forms[name] = step_form
        return self.done(list(final_forms.values()), form_dict=final_forms, **kwargs)

    # ------------------------------------------------------------------ saving

    def save_step(self, step: str, form) -> None:
        """Saves a valid step through its service (STEP_SERVICES); confirmation saves nothing."""
        service = STEP_SERVICES.get(step)
        if service is None:
            return
        self._application_saved(service(self.application, self.request.user, form))

    def _application_saved(self, application) -> None:
        # Keep the related rows already loaded; take the new field values.
        for field in application._meta.concrete_fields:
            setattr(self.application, field.attname, getattr(application, field.attname))
        self.step_context.forget_application_facts(self.application)

    def done(self, form_list, **kwargs):
        user = self.request.user
        application = application_reevaluate(application=self.application, by=user)
        try:
            application = application_submit(application=application, by=user)
        except InvalidTransition as error:
            messages.error(self.request, error.message)
            return redirect(self.get_step_url(self.steps.last))
        if application.status == ApplicationStatus.AWAITING_PAYMENT:
            messages.success(
                self.request,
                _("Your application is submitted. Pay the program fee to complete it."),
            )
            return redirect(payment_url(application))
        membership = (
            application.trainer.memberships.filter(application=application)
            .order_by("-starts_on")
            .first()
        )
        program = Program(self.definition.program).label
        if membership:
            message = _(
                "Your application is approved: your %(program)s membership is active until "
                "%(until)s."
            ) % {"program": program, "until": long_date(membership.anniversary_on)}
        else:
            message = _("Your application is approved: your %(program)s membership is active.") % {
                "program": program
            }
        messages.success(self.request, message)
        return redirect("profile")

    # ------------------------------------------------------------------ rendering

    def get_template_names(self):
        step = self.steps.current
        return [
            f"{self.template_app}/wizard/{self.path}_{step}.html",
            f"{self.template_app}/wizard/{step}.html",
            f"enrollment/wizard/{step}.html",
            "enrollment/wizard/step.html",
        ]

    def stepper(self) -> list[dict]:
        completed = self.storage.completed_steps
        current = self.steps.current
        steps = []
        for number, name in enumerate(self.get_form_list(), start=1):
            if name == current:
                state = "current"
            elif name in completed:
                state = "done"
            else:
                state = "upcoming"
            reachable = self.first_incomplete_before(name) is None
            steps.append(
                {
                    "number": number,
                    "name": name,
                    "label": STEP_LABELS[name],
                    "state": state,
                    "url": self.get_step_url(name) if reachable else "",
                }
            )
        return steps

    def get_context_data(self, form, **kwargs):
        # What formtools' get_context_data() gives (WizardView's, then NamedUrlWizardView's
        # url_name), with StepManagementForm.
        context = TemplateView.get_context_data(self, form=form, **kwargs)
        context.update(self.storage.extra_data)
        step = self.steps.current
        context["wizard"] = {
            "form": form,
            "steps": self.steps,
            "management_form": StepManagementForm(
                prefix=self.prefix, initial={"current_step": step}
            ),
            "url_name": self.url_name,
        }
        application = self.application
        program = self.definition.program
        context.update(
            {
                "application": application,
                "trainer": self.trainer,
                "path": self.path,
                "path_slug": self.definition.slug,
                "path_label": self.definition.label,
                "program_label": Program(program).label,
                "is_alumni_path": self.definition.is_alumni,
                "step": step,
                "step_label": STEP_LABELS[step],
                "stepper_steps": self.stepper(),
                "prev_step": self.steps.prev,
                "is_last_step": step == self.steps.last,
                "ctx": self.step_context,
                "renewal": self.renewal_notice(),
            }
        )
        context.update(getattr(self, f"context_{step}")(form))
        return context

    def renewal_notice(self) -> dict | None:
        """Renewal paths say how long the trainer has left."""
        if not self.definition.renews_program:
            return None
        year = self.standing.open_year(self.definition.program)
        if not due_for_renewal(year, self.today, settings.RENEWAL_WINDOW_DAYS):
            return None
        return {
            "anniversary_on": year.anniversary_on,
            "days_left": days_left(year.anniversary_on, self.today),
        }

    def context_profile(self, form) -> dict:
        extra = self.storage.data[self.storage.extra_data_key]
        return {
            "verified": self.step_context.verified,
            "sent": extra.get("sent", {}),
            "microsoft_purpose": PasscodePurpose.MICROSOFT_ALIAS,
            "partner_purpose": PasscodePurpose.PARTNER_ADDRESS,
        }

    def context_requirements(self, form) -> dict:
        ctx = self.step_context
        qualifying = ctx.qualifying
        if form.is_bound:
            form.is_valid()
            teaching_shown = not getattr(form, "mtm_met", True)
        else:
            teaching_shown = not ctx.facts.mtm_met
        return {
            "qualifying": qualifying,
            "qualifying_catalog": [] if qualifying else selectors.qualifying_catalog(),
            "evidence": ctx.evidence,
            "requirements": ctx.requirements,
            "alumni_url": start_url(rejoin_path(Program.ALUMNI).path),
            "show_teaching_choice": self.definition.needs_teaching and teaching_shown,
        }

    def context_terms(self, form) -> dict:
        versions = selectors.current_terms(documents=form.documents())
        return {
            "terms": [
                {
                    "document": doc,
                    "title": TermsDocument(doc).label,
                    "version": versions[doc],
                    "field": form[name],
                }
                for name, doc in form.DOCUMENT_FIELDS.items()
            ]
        }

    def context_confirmation(self, form) -> dict:
        ctx = self.step_context
        requirements = ctx.requirements
        # Records may have changed since the last save (an MTM import, a review): the page
        # shows the state they call for, worked out in memory (a GET writes nothing; the
        # submit POST re-evaluates and saves).
        application = application_as_reevaluated(
            application=self.application, requirements=requirements
        )
        pending = [r for r in requirements if r.state != RequirementState.MET]
        terms = list(application.accepted_terms.all()) if application.terms_accepted_at else []
        can_submit = application.status == ApplicationStatus.READY
        return {
            "application": application,
            "requirements": requirements,
            "pending": pending,
            "accepted_terms": terms,
            "can_submit": can_submit,
            "qualifying": ctx.qualifying if self.definition.needs_certification else [],
            "evidence": ctx.evidence,
            "has_fee": self.definition.has_fee,
        }
