"""Racing requests and tasks against each other on PostgreSQL's real row locks."""

import threading
from collections.abc import Callable

from django.db import connections


def at_once(*works: Callable, timeout: float = 30) -> list:
    """Runs each callable in a thread of its own, all released at the same moment, and
    returns, in the same order, what each returned or the exception it raised.

    Each thread closes its database connections, so the test database can be flushed."""
    barrier = threading.Barrier(len(works))
    results: list = [None] * len(works)

    def run(index: int, work: Callable) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = work()
        except Exception as error:
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(works)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results


def raised(results: list, kind: type[BaseException] = Exception) -> list:
    """The exceptions of `kind` among the results of at_once."""
    return [result for result in results if isinstance(result, kind)]
