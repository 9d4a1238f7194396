"""The Qt-free model of a session: points, selection, parameters and settings. Views subscribe to it."""
