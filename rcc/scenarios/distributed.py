"""Fan scenario tasks out on dask.distributed: an embedded LocalCluster, or any existing cluster.

Tasks carry their own seeds (see :mod:`rcc.scenarios.demand`) and results are put back in task
order, so the answer never depends on the number of workers or on which finished first.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from functools import partial

SCHEDULER_VARIABLE = "RCC_DASK_SCHEDULER"

Progress = Callable[[int, int], None]  # (done, total)


@contextmanager
def dask_mapper(workers: int = 2, scheduler: str | None = None, progress: Progress | None = None):
    """Yield ``map(task, items) -> list`` running on dask.

    ``scheduler`` (or ``$RCC_DASK_SCHEDULER``) names an existing cluster (``tcp://host:port``);
    otherwise a ``LocalCluster`` of ``workers`` single-threaded processes lives for the ``with``.
    With ``workers=0`` and no scheduler, tasks run in this process (no dask at all).
    """
    scheduler = scheduler or os.environ.get(SCHEDULER_VARIABLE)
    if not scheduler and workers == 0:
        yield partial(in_process, progress=progress)
        return
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None if scheduler else LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                  dashboard_address=None, silence_logs=logging.WARNING)
    client = Client(scheduler or cluster)
    try:
        def run(task: Callable, items: Iterable) -> list:
            items = list(items)
            futures = client.map(task, items, pure=False)
            position = {future.key: i for i, future in enumerate(futures)}
            results: list = [None] * len(items)
            for done, future in enumerate(as_completed(futures), start=1):
                results[position[future.key]] = future.result()
                if progress:
                    progress(done, len(items))
            return results

        yield run
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def in_process(task: Callable, items: Iterable, progress: Progress | None = None) -> list:
    """The same contract as the dask mapper, run here: results in task order."""
    items = list(items)
    results = []
    for done, item in enumerate(items, start=1):
        results.append(task(item))
        if progress:
            progress(done, len(items))
    return results
