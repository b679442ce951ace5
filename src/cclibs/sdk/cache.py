"""The token cache: one JSON file per profile in the config directory, owner-only.

Writes are atomic (see ``_files``). A refresh holds ``<profile>.lock`` from reading the cache
to saving the rotated tokens, so two processes never spend the same refresh token: the second
one waits, re-reads, and finds the first one's fresh tokens.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from cclibs.sdk._files import exclusive_lock, write_private
from cclibs.sdk.tokens import Tokens

__all__ = ["TokenCache"]


class TokenCache:
    def __init__(self, directory: Path, profile: str) -> None:
        self.path = directory / "tokens" / f"{profile}.json"
        self._lock_path = directory / "tokens" / f"{profile}.lock"

    def load(self) -> Tokens | None:
        """The cached tokens, or None when there are none (or the file is not a cache)."""
        try:
            return Tokens.from_json(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError, TypeError):
            return None

    def save(self, tokens: Tokens) -> None:
        write_private(self.path, tokens.to_json().encode("utf-8"))

    def clear(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Exclusive across processes; hold it from read to save when refreshing."""
        with exclusive_lock(self._lock_path):
            yield
