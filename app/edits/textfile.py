"""Reading and writing the repository's text files exactly: encoding, BOM and line endings.

A file's text is its bytes decoded as UTF-8 with no newline translation, so CRLF stays CRLF in
the text; a UTF-8 byte-order mark is taken off the text and put back on write. Anything else
(binary data, UTF-16, invalid UTF-8) is refused: the edit engine only edits UTF-8 text.
"""

from __future__ import annotations

import codecs
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

BOM = codecs.BOM_UTF8


class NotTextError(ValueError):
    """The file is not UTF-8 text, so it cannot be edited."""


@dataclass(frozen=True)
class TextFile:
    """A file's text and whether it started with a UTF-8 byte-order mark."""

    text: str
    bom: bool = False

    def encode(self) -> bytes:
        return (BOM if self.bom else b"") + self.text.encode("utf-8")


def decode(data: bytes, name: str) -> TextFile:
    """Decode a file's bytes, or NotTextError naming the file and the reason."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise NotTextError(f"{name}: UTF-16 files cannot be edited, only UTF-8 text")
    if b"\0" in data[:8192]:
        raise NotTextError(f"{name}: binary file, cannot be edited")
    bom = data.startswith(BOM)
    try:
        text = data[len(BOM) if bom else 0 :].decode("utf-8")
    except UnicodeDecodeError as error:
        raise NotTextError(f"{name}: not UTF-8 text (byte {error.start}), cannot be edited") from None
    return TextFile(text, bom)


def read(path: Path, name: str) -> TextFile:
    """Read and decode the file at `path` (`name` is how messages call it)."""
    return decode(path.read_bytes(), name)


def newline_of(text: str) -> str:
    """The line ending most of `text`'s lines use: "\\r\\n" or "\\n" (the default)."""
    crlf = text.count("\r\n")
    return "\r\n" if crlf and crlf >= text.count("\n") - crlf else "\n"


def write_temp(target: Path, data: bytes, mode: int | None) -> Path:
    """Write `data` to a new temp file beside `target`, fsync it, and return its path.

    `mode` is the permission bits to give it (None: the default for new files, from the umask);
    it is created with them, so it is never readable by more than `mode` allows.
    """
    temp = target.with_name(f".{target.name}.exosuit-{secrets.token_hex(4)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temp, mode)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp


def write_atomic(target: Path, data: bytes, mode: int | None) -> None:
    """Replace `target` with `data` atomically (temp file + fsync + rename)."""
    os.replace(write_temp(target, data, mode), target)
    fsync_dir(target.parent)


def fsync_dir(directory: Path) -> None:
    """Flush a directory's entries to disk, where the platform allows it."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
