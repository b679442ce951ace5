"""The ASGI HTTP layer: the app factory (``cclibs.web.app.create_app``), middleware, error
rendering and pages. Importing this package imports nothing else, so that route modules of
other packages (console, playground, the API) can use its parts without a cycle."""
