"""Pure signal functions: stride segmentation, sensor-to-foot alignment, gait
events, ZUPT trajectories and per-step metrics. No I/O, no global state.

Researchers can call each step; :func:`analyze_imu_stream` chains them.
"""

from footfall.gait.alignment import Alignment, estimate_alignment
from footfall.gait.events import StrideEvents, detect_events
from footfall.gait.imu import ImuResult, analyze_imu_stream
from footfall.gait.metrics import imu_step_columns, imu_step_metrics, strike_pattern_from_angle
from footfall.gait.segment import Segmentation, segment_strides
from footfall.gait.trajectory import StrideTrajectories, integrate_strides, pitch_roll_deg

__all__ = [
    "Alignment",
    "ImuResult",
    "Segmentation",
    "StrideEvents",
    "StrideTrajectories",
    "analyze_imu_stream",
    "detect_events",
    "estimate_alignment",
    "imu_step_columns",
    "imu_step_metrics",
    "integrate_strides",
    "pitch_roll_deg",
    "segment_strides",
    "strike_pattern_from_angle",
]
