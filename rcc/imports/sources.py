"""A file given to an importer as a path or as an upload: its name for messages, and its bytes.

The command line passes paths and the app passes uploaded file objects, which may already have
been read. The Ofsted provider list and the vacancies file are both read through these two
functions, so either file behaves the same whichever way it arrives.
"""

from __future__ import annotations

import os
from pathlib import Path


def source_name(source, default: str) -> str:
    """A label for messages: the file's name, an upload's name, or ``default``."""
    if isinstance(source, str | os.PathLike):
        return Path(source).name
    name = getattr(source, "name", None)
    return Path(name).name if isinstance(name, str) else default


def source_bytes(source) -> bytes:
    """The whole content, from the start even if an upload was read before."""
    if hasattr(source, "read"):
        if hasattr(source, "seek"):
            source.seek(0)  # an upload may have been read before
        data = source.read()
        return data.encode("utf-8") if isinstance(data, str) else data
    return Path(source).read_bytes()
