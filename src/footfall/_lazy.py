"""Names a package exports but loads on first use (PEP 562).

The command line builds its parser from modules inside ``footfall.sim``,
``footfall.rules``, ``footfall.devices`` and ``footfall.capture``; importing
those packages must not import NumPy or pandas, which cost most of a second.
Each package lists its exports and where they live; this module turns the
list into the package's ``__getattr__`` and ``__dir__``.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

__all__ = [
    "lazy_exports",
]


def lazy_exports(
    package: str, exports: dict[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``.

    Parameters
    ----------
    package
        The package's ``__name__`` (for error messages).
    exports
        Exported name -> module that defines it.
    namespace
        The package's ``globals()``; a loaded name is cached there, so the
        module is looked up once.
    """

    def __getattr__(name: str) -> Any:
        if name in exports:
            value = getattr(import_module(exports[name]), name)
            namespace[name] = value
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(exports))

    return __getattr__, __dir__
