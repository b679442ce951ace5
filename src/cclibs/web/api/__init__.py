"""The Libraries API over HTTP (``/api/v1``): routes, the bearer check, files and renditions."""
