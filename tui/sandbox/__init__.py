"""A local server that behaves like the Easypromos REST API v2 and the Ezepo API.

`SandboxServer` (tui.sandbox.server) serves both on one port; tui.sandbox.credentials has the demo
credentials and well-known ids.
"""
