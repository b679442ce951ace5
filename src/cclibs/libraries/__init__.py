"""The Libraries API domain: libraries, elements, representations and their rules.

No web framework and no ORM here: routes in ``cclibs.web.api`` call the service, and
``cclibs.storage`` implements the ports.
"""
