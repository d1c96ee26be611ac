"""The one task base (the Celery app's `task_cls`) and the options every task shares.

Enqueue with `task.delay_on_commit(...)` (or `task.apply_async_on_commit(args=..., **options)`)
from inside a service: the message goes to the broker after the transaction commits, and a
broker outage then is logged, not raised — the row keeps its state and a periodic sweeper
enqueues it again (the database is the truth). `task.delay(...)` still sends at once.
"""

import logging
from functools import partial

from celery.contrib.django.task import DjangoTask
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerUnavailable

logger = logging.getLogger(__name__)

# Options of every task, in one place. Time limits come from CELERY_TASK_TIME_LIMIT and
# CELERY_TASK_SOFT_TIME_LIMIT (settings), below the broker's visibility timeout.
TASK_OPTIONS = {"acks_late": True, "reject_on_worker_lost": True}


class PortalTask(DjangoTask):
    acks_late = True
    reject_on_worker_lost = True

    def delay_on_commit(self, *args, **kwargs) -> None:
        self.apply_async_on_commit(args=args, kwargs=kwargs)

    def apply_async_on_commit(self, args=None, kwargs=None, **options) -> None:
        transaction.on_commit(partial(self.enqueue_now, args, kwargs, **options))

    def enqueue_now(self, args=None, kwargs=None, **options) -> None:
        """Sends the message now; a broker outage is logged, and the sweeper catches up."""
        try:
            self.apply_async(args=args, kwargs=kwargs, **options)
        except BrokerUnavailable:
            logger.exception("Could not enqueue %s%r", self.name, options.get("argsrepr") or args)
