"""Request bodies for the Libraries API's elements (compat-reference §1.6), shared by tests that
post the same kind of element."""

from __future__ import annotations

from typing import Any

__all__ = ["image_element_body"]


def image_element_body(name: str, storage_href: str, client: dict[str, str]) -> dict[str, Any]:
    """An image element whose primary representation is the PNG uploaded at ``storage_href``."""
    return {
        "name": name,
        "type": "application/vnd.adobe.element.image+dcx",
        "client": client,
        "representations": [
            {"type": "image/png", "relationship": "primary", "storage_href": storage_href}
        ],
    }
