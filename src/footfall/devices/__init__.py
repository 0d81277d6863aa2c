"""Live sensor sources: the event interface, serial boards, the emulator, clock mapping.

Names are loaded on first use, so that the command-line parser can import
``footfall.devices.cli`` without NumPy.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Block", "DeviceInfo", "Event", "Gap", "Source", "Status"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from footfall.devices import base

        return getattr(base, name)
    raise AttributeError(f"module 'footfall.devices' has no attribute {name!r}")
