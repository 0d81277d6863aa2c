"""Running a batch on Dask (``footfall batch --dask``): a client of an
existing scheduler, or of a :class:`distributed.LocalCluster` for trying it.

Dask is an optional dependency (``pip install 'footfall[dask]'``). Before
any work the workers are asked (``client.run``) which footfall they have:
a worker without footfall, or with another version than the client's, is a
user error with a message, not a batch of failures.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from footfall.errors import FootfallError

__all__ = [
    "LOCAL",
    "LOCAL_WORKERS",
    "check_worker_versions",
    "dask_client",
    "footfall_version",
    "worker_count",
]

LOCAL = "local"
"""The ``--dask`` value that starts a LocalCluster."""
LOCAL_WORKERS = 2
"""Worker processes of ``--dask local`` without ``--jobs``."""

INSTALL_FIX = "pip install 'footfall[dask]' (Dask distributed) on this computer"


def footfall_version() -> str:
    """The installed footfall's version (as the workers are asked for it)."""
    try:
        return importlib.metadata.version("footfall")
    except importlib.metadata.PackageNotFoundError:
        import footfall

        return str(footfall.__version__)


def check_worker_versions(mine: str, answers: Mapping[str, Any]) -> None:
    """Raise FootfallError unless every worker has footfall ``mine``.

    ``answers``: worker address -> its ``importlib.metadata.version("footfall")``
    or the exception it raised (``client.run(..., on_error="return")``)."""
    if not answers:
        raise FootfallError(
            "the Dask scheduler has no workers",
            fix="start workers (dask worker SCHEDULER_ADDRESS) and run the batch again",
        )
    missing = sorted(w for w, v in answers.items() if isinstance(v, BaseException))
    if missing:
        raise FootfallError(
            f"footfall is not installed on {len(missing)} of {len(answers)} Dask worker(s): "
            + ", ".join(missing[:5])
            + ("" if len(missing) <= 5 else ", ..."),
            fix=f"install footfall {mine} in the workers' Python environment "
            f"(pip install 'footfall[dask]=={mine}') and restart them",
        )
    other = sorted((w, str(v)) for w, v in answers.items() if str(v) != mine)
    if other:
        listed = ", ".join(f"{w} has {v}" for w, v in other[:5])
        raise FootfallError(
            f"the Dask workers' footfall differs from this computer's ({mine}): {listed}"
            + ("" if len(other) <= 5 else ", ..."),
            fix=f"install footfall {mine} on every worker (or this version of theirs here), "
            "so that every recording is analysed by the same footfall",
        )


def worker_count(client: Any) -> int:
    """Threads of all the client's workers (tasks that can run at once)."""
    info = client.scheduler_info()
    workers = info.get("workers", {})
    return max(1, sum(int(w.get("nthreads", 1)) for w in workers.values()))


@contextmanager
def dask_client(address: str, jobs: int | None = None) -> Iterator[Any]:
    """A :class:`distributed.Client` of the scheduler at ``address``, or of
    a LocalCluster (``jobs`` worker processes, default 2, one thread each)
    for ``"local"``; its workers checked (:func:`check_worker_versions`).
    Closed (and a LocalCluster stopped) on leaving."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as e:
        raise FootfallError(
            f"--dask needs Dask distributed, which is not installed ({e})",
            fix=INSTALL_FIX,
        ) from e
    cluster = None
    if address == LOCAL:
        cluster = LocalCluster(
            n_workers=jobs or LOCAL_WORKERS,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
        client = Client(cluster)
    else:
        try:
            client = Client(address, timeout="15s")
        except (OSError, TimeoutError, ValueError) as e:
            raise FootfallError(
                f"cannot reach the Dask scheduler: {e}",
                path=address,
                fix="give the scheduler's address (tcp://HOST:8786) and check that it runs "
                "and that this computer may connect to it; --dask local starts one here",
            ) from e
    try:
        answers = client.run(importlib.metadata.version, "footfall", on_error="return")
        check_worker_versions(footfall_version(), answers)
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
