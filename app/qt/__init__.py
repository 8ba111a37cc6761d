"""The Qt bridge: background work, operations, change broadcasts and live polling.

Only this package (and the GUI bootstrap) may import Qt inside ``app``. Views call
services through :class:`~app.qt.operation.Operation`; nothing here knows a widget.
"""
