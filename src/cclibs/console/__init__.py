"""The developer console at ``/console``: projects, credentials and their secrets.

Handlers only: the rules live in ``cclibs.oauth.projects`` and ``cclibs.oauth.registration``.
"""
