"""What a wizard step is checked against, gathered once per request.

Each fact is read lazily and at most once, so that every step page runs a fixed number
of queries however many certifications, MCP IDs or records the trainer has.
"""

import datetime
from functools import cached_property

from verification.passcodes import passcode_verified_addresses

from ..models import Application, Trainer
from ..rules.eligibility import Standing
from ..rules.requirements import Requirement, evaluate_requirements
from ..selectors import applications as selectors


class StepContext:
    def __init__(
        self,
        *,
        application: Application,
        trainer: Trainer,
        standing: Standing,
        today: datetime.date,
        evidence: dict | None = None,
        verified_addresses: dict[str, list[str]] | None = None,
    ):
        self.application = application
        self.trainer = trainer
        self.standing = standing
        self.today = today
        self._mtm: dict[str, bool] = {}
        if evidence is not None:
            # Before the draft exists: the evidence that would carry over to it.
            self.__dict__["evidence"] = evidence
        if verified_addresses is not None:
            # Read with the draft (selectors.wizard_records).
            self.__dict__["verified_addresses"] = verified_addresses

    @cached_property
    def verified_addresses(self) -> dict[str, list[str]]:
        """Addresses the trainer proved with a passcode (the used passcode rows), by purpose,
        newest first. Rows, not the draft: a concurrent request cannot erase a proof."""
        return passcode_verified_addresses(user=self.trainer.user)

    @property
    def verified(self) -> dict[str, str]:
        """The latest proven address of each purpose (what the profile page shows)."""
        return {purpose: found[0] for purpose, found in self.verified_addresses.items()}

    def is_verified(self, purpose: str, address: str) -> bool:
        return address in self.verified_addresses.get(purpose, [])

    @cached_property
    def qualifying(self) -> list:
        if self.trainer.pk is None:
            return []
        return selectors.qualifying_certifications(trainer=self.trainer)

    @cached_property
    def evidence(self) -> dict:
        if self.application.pk is None:
            return {}
        return selectors.current_evidence(application=self.application)

    @cached_property
    def facts(self):
        return selectors.application_requirement_facts(
            application=self.application,
            today=self.today,
            qualifying_count=len(self.qualifying),
            evidence=self.evidence,
            standing=self.standing,
        )

    @property
    def proof_required(self) -> bool:
        return self.facts.proof_required

    @cached_property
    def requirements(self) -> list[Requirement]:
        return evaluate_requirements(self.facts)

    def mtm_met(self, mtm_id: str) -> bool:
        mtm_id = (mtm_id or "").strip()
        if mtm_id not in self._mtm:
            self._mtm[mtm_id] = bool(mtm_id) and selectors.mtm_met(mtm_id=mtm_id, today=self.today)
        return self._mtm[mtm_id]

    def forget_application_facts(self, application: Application) -> None:
        """After a step is saved the evidence and the status may have changed."""
        self.application = application
        for name in ("evidence", "facts", "requirements"):
            self.__dict__.pop(name, None)
