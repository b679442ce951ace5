"""The OAuth 2.0 Playground at ``/playground``.

The playground is an OAuth client that runs on the server, like Adobe's and Google's: the
browser sends it settings and commands; it keeps the secret, the PKCE verifier and the tokens
in server-side state bound to the browser (``sessions``), talks to the authorization server
(``provider``), and calls only allow-listed API origins (``proxy``).
"""
