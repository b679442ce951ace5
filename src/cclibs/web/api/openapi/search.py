"""components.schemas of ``POST /api/v1/search``: ``USSSearchPayload`` and ``USSSearchResponse``
(compat reference §1.10), with cclibs' decisions where the spec is silent
(``cclibs.libraries.search`` holds them)."""

from __future__ import annotations

from collections.abc import Mapping

from cclibs.libraries.search import MAX_ELEMENTS, MAX_LIBRARIES, Owner
from cclibs.web.api.openapi._schema import Schema, array, count, obj, ref, text

__all__ = ["SEARCH_ANSWERS", "SEARCH_PAYLOADS", "SEARCH_TAG"]

SEARCH_TAG = (
    "Search the libraries you may read and their elements: words of names through the "
    "database's full-text index, filters, the owner filters, and pages."
)

_ELEMENT_ONLY = 'Searches elements only; invalid with asset_type ["library"].'
_DATE: Schema = {
    "oneOf": [
        {"type": "integer", "minimum": 0, "maximum": 2**53 - 1},
        {"type": "string", "pattern": "^[0-9]{1,15}$"},
        {"type": "null"},
    ],
    "description": "Epoch milliseconds (a number, or its digits as a string); null: open.",
}
_RANGE = array(
    _DATE,
    "[start, end], inclusive, in epoch milliseconds.",
    minItems=2,
    maxItems=2,
)

SEARCH_PAYLOADS: Mapping[str, Schema] = {
    "USSSearchPayload": obj(
        {
            "asset_type": array(
                {"type": "string", "enum": ["library", "element"]},
                "What to search; both when left out, elements alone when an element-only "
                "parameter is given.",
                minItems=1,
                uniqueItems=True,
            ),
            "library_id": text(f"A library id or URN. {_ELEMENT_ONLY}"),
            "group": text(f"group_id, classifier#group_id, or $none$. {_ELEMENT_ONLY}"),
            "name": text("The exact name."),
            "query_string": text(
                "Words (runs of letters and digits); a name matches when each begins one of "
                "its words. Without orderBy, results come by relevance. No word: no match."
            ),
            "created_date": _RANGE,
            "modified_date": _RANGE,
            "type": array({"type": "string", "minLength": 1}, f"Element types. {_ELEMENT_ONLY}"),
            "archived": {
                "type": "boolean",
                "description": f"Archived elements (true) or live ones (false, the default). "
                f"{_ELEMENT_ONLY}",
            },
            "orderBy": text(
                "relevance (the default with a query_string), or name, modified_date, "
                "created_date with a leading - for descending, comma-separated "
                "(-modified_date by default)."
            ),
            "start": text(
                "A number of results of each list to skip, or the cursor _page.next gave."
            ),
            "limit": {
                "type": "integer",
                "minimum": 1,
                "description": f"Results per list: libraries at most {MAX_LIBRARIES}, "
                f"elements at most {MAX_ELEMENTS} (a larger limit is clamped). Default 10.",
            },
            "owner": {
                "type": "string",
                "enum": [o.value for o in Owner],
                "description": "private (default): yours shared with nobody; outgoing: yours "
                "shared with someone; incoming: shared with you; all: those three; public: "
                "published libraries you bookmarked.",
            },
            "selector": text(
                "default, details, collaboration, rendition_grid, full (comma-separated)."
            ),
            "has_stock_content": {
                "type": "boolean",
                "description": "cclibs holds no Stock content: true matches nothing.",
            },
            "stock_content_id": text(f"Matches nothing in cclibs. {_ELEMENT_ONLY}"),
            "workspace": text("Accepted and ignored."),
        },
        description="What to search for (USSSearchPayload). The Spark and sourceRef fields "
        "of Adobe's payload are refused: cclibs does not index them.",
    ),
}

SEARCH_ANSWERS: Mapping[str, Schema] = {
    "USSSearchResponse": obj(
        {
            "total_items": count("Libraries and elements that match, in all pages."),
            "libraries": array(ref("DbLibraryInfo"), "This page's libraries."),
            "elements": array(ref("DbLibraryElementData"), "This page's elements."),
            "_page": obj(
                {
                    "orderBy": text("The order: relevance, or the sort keys."),
                    "count": count("Items on this page."),
                    "next": text("Send it as start for the next page; absent on the last."),
                },
                ("orderBy", "count"),
                description="Where this page is (a cclibs extension).",
            ),
        },
        ("total_items", "libraries", "elements"),
        description="What matched (USSSearchResponse).",
    ),
}
