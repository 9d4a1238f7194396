"""The SQLite catalog of a sound folder, and the scan job that keeps it in step with the files.

``Catalog.open(root)`` opens (creating/migrating) the catalog stored in the per-user data dir;
``from core.catalog.scan import scan``: ``scan(catalog)`` is a job generator (see
:mod:`core.jobs`) returning a :class:`ScanReport`. (The function is deliberately not
re-exported here so that ``core.catalog.scan`` always names the module.)
"""

from core.catalog.db import Catalog
from core.catalog.rows import SoundRow
from core.catalog.scan import ScanReport

__all__ = ["Catalog", "ScanReport", "SoundRow"]
