"""Fan scenario tasks out on dask.distributed: an embedded LocalCluster, or any existing cluster.

Tasks carry their own seeds (see :mod:`rcc.scenarios.demand`) and results are put back in task
order, so the answer never depends on the number of workers or on which finished first. A mapper
reports each task as it finishes (``on_done(done, total)``, in order of completion), so a page or
the CLI can show progress from the first result on.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from typing import Protocol

SCHEDULER_VARIABLE = "RCC_DASK_SCHEDULER"

Progress = Callable[[int, int], None]  # (done, total), called once per finished task


class Mapper(Protocol):
    """``map(task, items, on_done) -> [task(item) for item in items]``, wherever the tasks run."""

    def __call__(self, task: Callable, items: Iterable, on_done: Progress | None = None) -> list: ...


@contextmanager
def dask_mapper(workers: int = 2, scheduler: str | None = None):
    """Yield a :class:`Mapper` running on dask.

    ``scheduler`` (or ``$RCC_DASK_SCHEDULER``) names an existing cluster (``tcp://host:port``);
    otherwise a ``LocalCluster`` of ``workers`` single-threaded processes lives for the ``with``.
    With ``workers=0`` and no scheduler, tasks run in this process (no dask at all).
    """
    scheduler = scheduler or os.environ.get(SCHEDULER_VARIABLE)
    if not scheduler and workers == 0:
        yield in_process
        return
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None if scheduler else LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                  dashboard_address=None, silence_logs=logging.WARNING)
    client = Client(scheduler or cluster)
    try:
        def run(task: Callable, items: Iterable, on_done: Progress | None = None) -> list:
            items = list(items)
            # The task (the region, its demand profile) goes to each worker once, not with every item:
            # sent per item it cost ~0.15 s a task, 5× the status quo's whole solve.
            shared = client.scatter(task, broadcast=True, hash=False)
            futures = client.map(_apply, items, task=shared, pure=False)
            position = {future.key: i for i, future in enumerate(futures)}
            results: list = [None] * len(items)
            for done, future in enumerate(as_completed(futures), start=1):
                results[position[future.key]] = future.result()
                if on_done:
                    on_done(done, len(items))
            return results

        yield run
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _apply(item, task: Callable):
    return task(item)


def in_process(task: Callable, items: Iterable, on_done: Progress | None = None) -> list:
    """The same contract as the dask mapper, run here: results in task order."""
    items = list(items)
    results = []
    for done, item in enumerate(items, start=1):
        results.append(task(item))
        if on_done:
            on_done(done, len(items))
    return results
