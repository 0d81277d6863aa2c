"""Reading a user's small text files (rules overrides, symptom profiles) with
a clear message for every way they can be wrong: missing, a folder, too
large, UTF-16 or another encoding, binary."""

from __future__ import annotations

from pathlib import Path

from footfall.errors import FootfallError

__all__ = ["MAX_TEXT_BYTES", "read_user_text"]

MAX_TEXT_BYTES = 10_000_000
"""Largest settings file read, bytes (a rules file or symptom profile is a
few kilobytes); a larger one is refused before it is read."""

_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


def read_user_text(path: str | Path, *, what: str, fix: str) -> str:
    """The text of a UTF-8 file (a UTF-8 byte-order mark is allowed).

    Raises
    ------
    FootfallError
        Naming the file, the problem (missing, a folder, too large, UTF-16
        or UTF-32, not UTF-8 with the first bad byte) and ``fix``.
    """
    p = Path(path)
    try:
        size = p.stat().st_size
        if p.is_dir():
            raise FootfallError(f"is a folder, not a {what}", path=str(p), fix=fix)
        if size > MAX_TEXT_BYTES:
            raise FootfallError(
                f"is {size / 1e6:.0f} MB, too large for a {what}", path=str(p), fix=fix
            )
        data = p.read_bytes()
    except FileNotFoundError:
        raise FootfallError(f"no such {what}", path=str(p), fix=fix) from None
    except OSError as e:
        raise FootfallError(
            f"cannot read {what}: {e.strerror or e}",
            path=str(p),
            fix="check that the file exists and that you may read it",
        ) from None
    for bom, name in _BOMS:
        if data.startswith(bom):
            raise FootfallError(
                f"is {name} text; footfall reads UTF-8",
                path=str(p),
                fix="save it as UTF-8 (most editors: Save as, encoding UTF-8)",
            )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise FootfallError(
            f"is not UTF-8 text (byte 0x{data[e.start]:02x} at position {e.start}); "
            f"is it the right file, a {what}?",
            path=str(p),
            fix="save it as UTF-8 text, or give the path of the text file",
        ) from None
