"""The ``cclibs`` command."""
