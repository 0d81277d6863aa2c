"""Live sensor sources: the event interface, serial boards, the emulator, clock mapping."""

from footfall.devices.base import Block, DeviceInfo, Event, Gap, Source, Status

__all__ = ["Block", "DeviceInfo", "Event", "Gap", "Source", "Status"]
