"""Settings gunicorn reads from the folder it is started in (``make serve``, ``make bench``)."""

import gc


def post_worker_init(worker) -> None:
    """The app is loaded: what start-up made lives as long as the worker, so the garbage collector need not
    walk it again on every collection (``gc.freeze``)."""
    gc.freeze()
