"""Server-rendered pages: the renderer and the account pages."""
