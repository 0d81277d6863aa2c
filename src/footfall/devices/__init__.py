"""Live sensor sources: the event interface, serial boards, the emulator, clock mapping.

Names are loaded on first use, so that the command-line parser can import
``footfall.devices.cli`` without NumPy.
"""

from footfall._lazy import lazy_exports

_EXPORTS = {
    name: "footfall.devices.base"
    for name in ("Block", "DeviceInfo", "Event", "Gap", "Source", "Status")
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
