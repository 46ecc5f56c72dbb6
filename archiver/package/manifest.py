"""Fixity: SHA-256 of streams and the package manifest (``manifest-sha256.txt``, BagIt's line format).

Every line is ``<sha256>  <relative path>``, sorted by path, UTF-8, newline-terminated. Paths read back from a
manifest are hostile until checked (``safe_relative``): no absolute paths, no ``..``, no backslashes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import IO

from ..errors import Problem

__all__ = ["MANIFEST", "file_fixity", "fixity", "format_manifest", "parse_manifest", "safe_relative"]

MANIFEST = "manifest-sha256.txt"
_CHUNK = 1 << 20


def fixity(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    for block in iter(lambda: stream.read(_CHUNK), b""):
        digest.update(block)
    return digest.hexdigest()


def file_fixity(path: Path) -> str:
    """SHA-256 (hex) of a file, read in blocks."""
    with path.open("rb") as stream:
        return fixity(stream)


def format_manifest(digests: Mapping[str, str]) -> bytes:
    return "".join(f"{digests[path]}  {path}\n" for path in sorted(digests)).encode("utf-8")


def safe_relative(path: str) -> bool:
    if not path or "\\" in path or "\x00" in path or path.startswith(("/", "~")):
        return False
    parts = path.split("/")
    return all(part not in ("..", ".", "") for part in parts) and ":" not in parts[0]


def parse_manifest(text: str, where: str = MANIFEST) -> tuple[dict[str, str], list[Problem]]:
    """The entries and every problem with the manifest itself (bad lines, unsafe or repeated paths)."""
    entries: dict[str, str] = {}
    problems: list[Problem] = []
    for number, line in enumerate(text.splitlines(), start=1):
        digest, sep, path = line.partition("  ")
        if not sep or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            problems.append(Problem(f"{where}:{number}", "not a '<sha256>  <path>' line"))
        elif not safe_relative(path):
            problems.append(Problem(f"{where}:{number}", f"unsafe path {path!r} (absolute, '..' or empty)"))
        elif path in entries:
            problems.append(Problem(f"{where}:{number}", f"path {path} listed twice"))
        else:
            entries[path] = digest
    return entries, problems
