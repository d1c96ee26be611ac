"""The import task: takes the run's id, safe to run twice (the service claims the run)."""

from celery import shared_task

from . import services


# Longer than the default limits (a million rows take about a minute, a 1 GB file several),
# and below the broker's visibility timeout so a message is never delivered twice at once.
@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=3000, time_limit=3300)
def process_import(run_id: int) -> str | None:
    run = services.import_run_process(run_id=run_id)
    return run.state if run else None


@shared_task(acks_late=True, name="imports.sweep_stuck_imports")
def sweep_stuck_imports() -> int:
    """Re-sends the imports a lost message or a dead worker left behind."""
    return services.import_runs_requeue_stuck()
