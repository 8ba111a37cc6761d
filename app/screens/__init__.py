"""Screen loaders: what each screen shows, read from the site and shaped for display.

Plain Python with no Qt, so a loader runs on a worker thread, in a test without a
display, or from the command line; the Qt side (``app.qt``) only moves their results
onto the GUI thread, and ``views`` draws them.
"""
