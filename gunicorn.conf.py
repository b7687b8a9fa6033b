"""Settings gunicorn reads from the folder it is started in (``make serve``, ``make bench``)."""

import gc
import os


def post_worker_init(worker) -> None:
    """Once the app is loaded: what start-up made lives as long as the worker, so the garbage collector need
    not walk it again (``gc.freeze``); and a request makes thousands of short-lived objects, nearly all freed
    by reference counting, so collecting every 700 allocations (Python's default) mostly finds nothing."""
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


def child_exit(_server, worker) -> None:
    """A worker that ended leaves its metrics files; mark them so live-only gauges stop counting it."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Imported here: prometheus_client picks its multiprocess mode from the environment when first imported.
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
