"""The OAuth 2.0 / OpenID Connect protocol core. Imports no web framework and no ORM."""
