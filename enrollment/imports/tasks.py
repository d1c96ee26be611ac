"""The import tasks: they take ids, and the service claims the run, so running twice is safe."""

from celery import shared_task

from . import services
from .services import process_import

__all__ = ["process_import", "sweep_stuck_imports"]


@shared_task(name="imports.sweep_stuck_imports", bind=True)
def sweep_stuck_imports(self) -> int:
    """Re-sends the imports a lost message or a dead worker left behind."""
    return services.import_runs_requeue_stuck()
