"""Sound Explorer desktop GUI (PySide6 + pyqtgraph): views, app state, workers, playback.

Importing this package does not import Qt; the submodules do.
"""
