"""The HTTP service: REST API, WebSocket and dashboard pages over the CLI's service functions.

`basis.api.app.create_app(settings)` builds the app; importing this package loads nothing
heavy, so the CLI's `basis users` commands stay fast.
"""
