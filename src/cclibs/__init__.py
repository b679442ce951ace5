"""cclibs: a self-hosted Creative Cloud Libraries API and the IMS-compatible identity service that guards it."""

__version__ = "0.1.0"

__all__ = ["__version__"]
