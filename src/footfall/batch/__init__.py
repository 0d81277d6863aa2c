"""Batch analysis of many recordings (``footfall batch``).

:func:`collect_inputs` turns folders, files, globs and manifest CSVs into
recordings; :func:`run_batch` analyses them through any
:class:`concurrent.futures.Executor`-style executor (a local process pool,
a Dask client) and writes a partitioned Parquet dataset of all steps, the
summaries, the findings and the failures to one folder, skipping on a
re-run what has not changed (docs/batch.md).
"""

from footfall._lazy import lazy_exports

_EXPORTS = {
    "BatchInput": "footfall.batch.inputs",
    "collect_inputs": "footfall.batch.inputs",
    "BatchReport": "footfall.batch.engine",
    "run_batch": "footfall.batch.engine",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
