"""cclibs: a self-hosted Creative Cloud Libraries API and its IMS-compatible identity service."""

__version__ = "0.1.0"

__all__ = ["__version__"]
