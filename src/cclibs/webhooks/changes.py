"""One transaction's changes, gathered into the events it announces.

The store notes each write as it happens; when the transaction is about to commit, the notes
become events, coalesced so that a receiver sees what the transaction did, not how:
- a library created in the transaction is one ``library.created`` (no ``updated`` for the
  bookkeeping writes after it); a library deleted is one ``library.deleted`` and nothing more
  about it or its elements; any other library written is one ``library.updated``;
- an element created (and then changed) is one ``element.created``; one deleted is one
  ``element.deleted`` (nothing at all when it was also created in the transaction); one only
  changed is one ``element.updated``; the elements of a library created in the transaction
  (a copy) have no events of their own: ``library.created`` announces them.
Each event names the library as the transaction left it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from cclibs.libraries.models import Element, Library
from cclibs.webhooks.events import ChangeEvent, ElementFacts

__all__ = ["ChangeSet"]


@dataclass(slots=True)
class _LibraryNote:
    library: Library
    created: bool = False
    deleted: bool = False


@dataclass(slots=True)
class _ElementNote:
    library_id: str
    facts: ElementFacts
    created: bool = False
    deleted: bool = False


@dataclass(slots=True)
class ChangeSet:
    _libraries: dict[str, _LibraryNote] = field(default_factory=dict)
    _elements: dict[str, _ElementNote] = field(default_factory=dict)
    audiences: dict[str, list[tuple[str, str, frozenset[str]]]] = field(default_factory=dict)
    """Per library: (subscription id, client id, event types) of those who hear of it, as
    the storage found them (before a deletion, or when the events were written)."""

    def __bool__(self) -> bool:
        return bool(self._libraries or self._elements)

    def library_written(self, library: Library, *, created: bool = False) -> None:
        note = self._libraries.get(library.id)
        if note is None:
            self._libraries[library.id] = _LibraryNote(library, created=created)
        else:
            note.library = library
            note.created = note.created or created

    def library_deleted(self, library: Library) -> None:
        self.library_written(library)
        self._libraries[library.id].deleted = True

    def element_written(self, element: Element, *, created: bool = False) -> None:
        note = self._elements.get(element.id)
        facts = ElementFacts.of(element)
        if note is None:
            self._elements[element.id] = _ElementNote(element.library_id, facts, created=created)
        else:
            note.facts = facts
            note.created = note.created or created
            note.deleted = False

    def elements_deleted(self, library_id: str, element_ids: Sequence[str]) -> None:
        for element_id in element_ids:
            note = self._elements.setdefault(
                element_id, _ElementNote(library_id, ElementFacts.gone(element_id))
            )
            note.deleted = True

    def libraries_to_load(self) -> set[str]:
        """Libraries whose elements changed but whose row no write passed through."""
        return {n.library_id for n in self._elements.values()} - set(self._libraries)

    def events(self, loaded: dict[str, Library], time_ms: int) -> list[ChangeEvent]:
        """The coalesced events, libraries first; ``loaded`` holds the rows of
        ``libraries_to_load``."""
        transaction_id = str(uuid.uuid4())
        found: list[ChangeEvent] = []

        def add(type_: str, library: Library, element: ElementFacts | None = None) -> None:
            found.append(
                ChangeEvent(str(uuid.uuid4()), type_, library, element, transaction_id, time_ms)
            )

        libraries = {**loaded, **{k: n.library for k, n in self._libraries.items()}}
        for lib in self._libraries.values():
            if lib.deleted:
                if not lib.created:
                    add("library.deleted", lib.library)
            else:
                add("library.created" if lib.created else "library.updated", lib.library)
        gone = {k for k, n in self._libraries.items() if n.deleted or n.created}
        for note in self._elements.values():
            library = libraries.get(note.library_id)
            if library is None or note.library_id in gone:
                continue
            if note.deleted:
                if not note.created:
                    add("element.deleted", library, note.facts)
            else:
                add("element.created" if note.created else "element.updated", library, note.facts)
        return found
