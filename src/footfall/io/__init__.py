"""Reading and writing recordings.

The canonical format is a folder with ``recording.json`` and one CSV or Parquet
file per stream (CONTRACTS.md section 1). Everything read is converted to SI
(acceleration m/s^2, angular rate rad/s, pressure kPa) and checked; problems
raise :class:`~footfall.errors.RecordingError` naming the file, the problem and
the fix. Gaps in time are recorded in ``Stream.meta["gaps"]``, never filled.

>>> from footfall.io import read_recording
>>> rec = read_recording("sample_data/gaitmap_walk")            # doctest: +SKIP
>>> rec = read_recording("run_left.csv", acc_unit="g")           # doctest: +SKIP
"""

from footfall.io.canonical import FORMAT, read_recording, side_from_filename, write_recording
from footfall.io.gaps import GAP_FACTOR, find_gaps
from footfall.io.profile_values import read_treadmill_values
from footfall.io.units import ACC_UNITS, GYR_UNITS, PRESSURE_UNITS

__all__ = [
    "ACC_UNITS",
    "FORMAT",
    "GAP_FACTOR",
    "GYR_UNITS",
    "PRESSURE_UNITS",
    "find_gaps",
    "read_recording",
    "read_treadmill_values",
    "side_from_filename",
    "write_recording",
]
