"""The Libraries API over HTTP (``/api/v1``): routes, the bearer check, files and renditions.

Importing the package registers the route modules below. Bookmarks come first:
``/libraries/{libraryId}`` would otherwise take ``/libraries/bookmarks`` for a library id.
"""

from cclibs.web.api import bookmarks as _bookmarks  # noqa: F401 - registers its routes, first
from cclibs.web.api import public as _public  # noqa: F401 - registers its routes
from cclibs.web.api import sharing as _sharing  # noqa: F401 - registers its routes
from cclibs.web.api import webhooks as _webhooks  # noqa: F401 - registers its routes
