"""Sound Explorer's headless core: audio I/O, features, encoders, catalog, maps, clusters, neighbours.

Nothing in this package imports Qt, pyqtgraph or sounddevice (enforced by ``tests/test_contracts.py``).
"""

__version__ = "0.1.0"
