"""gunicorn's configuration for the production topology (``scripts/serve.py``: ``--config python:overlay.gunicorn``).

With several workers, Prometheus counts are written per process into ``PROMETHEUS_MULTIPROC_DIR``
(``overlay.metrics``); a worker that exits is let go of there.
"""


def child_exit(server, worker) -> None:
    from overlay import metrics

    metrics.process_exited(worker.pid)
