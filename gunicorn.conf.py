"""Settings gunicorn reads from the folder it is started in (``make serve``, ``make bench``)."""

import gc


def post_worker_init(worker) -> None:
    """Once the app is loaded: what start-up made lives as long as the worker, so the garbage collector need
    not walk it again (``gc.freeze``); and a request makes thousands of short-lived objects, nearly all freed
    by reference counting, so collecting every 700 allocations (Python's default) mostly finds nothing."""
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)
