"""JobManager: progress, results, cancellation at yields, replacement of same-kind jobs, one error path."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from core.jobs import Progress
from desktop_app.controllers.jobs import JobManager


class Store:
    """A toy persistent store: a job commits one whole item before each yield."""

    def __init__(self) -> None:
        self.items: list[int] = []
        self.log: list[str] = []
        self.lock = threading.Lock()

    def note(self, s: str) -> None:
        with self.lock:
            self.log.append(s)


def counting_job(store: Store, name: str, n: int, delay: float = 0.0, fail_at: int | None = None):
    store.note(f"{name}:start")
    try:
        for i in range(n):
            if fail_at == i:
                raise ValueError(f"boom at {i}")
            time.sleep(delay)
            store.items.append(i)  # committed before the yield
            yield Progress("count", i + 1, n, partial=(name, i))
        return f"{name}:{n}"
    finally:
        store.note(f"{name}:closed")


@pytest.fixture()
def manager(qtbot):
    m = JobManager(max_threads=3)
    yield m
    assert m.shutdown(5000)


def test_progress_and_result(qtbot, manager: JobManager) -> None:
    store = Store()
    seen: list[Progress] = []
    results: list[str] = []
    h = manager.submit("count", lambda: counting_job(store, "a", 20), on_progress=seen.append, on_result=results.append)
    qtbot.waitUntil(lambda: h.is_done(), timeout=5000)
    assert h.state == "finished" and results == ["a:20"]
    # Non-snapshot partials are never coalesced away.
    assert [p.partial[1] for p in seen] == list(range(20))
    assert store.log == ["a:start", "a:closed"]
    assert not manager.active()


def test_cancel_closes_generator_and_next_job_runs(qtbot, manager: JobManager) -> None:
    store = Store()
    results: list[str] = []
    cancelled: list[bool] = []
    h = manager.submit("count", lambda: counting_job(store, "a", 1000, delay=0.01),
                       on_result=results.append, on_cancel=lambda: cancelled.append(True))
    qtbot.waitUntil(lambda: len(store.items) >= 3, timeout=5000)
    h.cancel()
    qtbot.waitUntil(lambda: h.is_done(), timeout=5000)
    assert h.state == "cancelled" and cancelled == [True] and results == []
    assert store.log == ["a:start", "a:closed"]  # closed at a yield, on its own thread
    # Consistent: every committed item is whole and in order; nothing arrives later.
    n = len(store.items)
    assert store.items == list(range(n)) and n < 1000
    qtbot.wait(100)
    assert len(store.items) == n
    h2 = manager.submit("count", lambda: counting_job(store, "b", 5), on_result=results.append)
    qtbot.waitUntil(lambda: h2.is_done(), timeout=5000)
    assert results == ["b:5"]


def test_same_kind_same_key_replaces_after_close(qtbot, manager: JobManager) -> None:
    store = Store()
    results: list[str] = []
    add = results.append
    h1 = manager.submit("count", lambda: counting_job(store, "old", 1000, delay=0.01), key="lib", on_result=add)
    qtbot.waitUntil(lambda: len(store.items) >= 2, timeout=5000)
    h2 = manager.submit("count", lambda: counting_job(store, "mid", 1000, delay=0.01), key="lib", on_result=add)
    h3 = manager.submit("count", lambda: counting_job(store, "new", 3), key="lib", on_result=results.append)
    other = manager.submit("count", lambda: counting_job(Store(), "other", 3), key="other-lib", on_result=add)
    qtbot.waitUntil(lambda: h3.is_done() and other.is_done(), timeout=5000)
    assert h1.state == "cancelled" and h2.state == "cancelled" and h3.state == "finished"
    # The replaced pending job never started; the new one started only after the old one closed.
    assert "mid:start" not in store.log
    assert store.log.index("old:closed") < store.log.index("new:start")
    assert sorted(results) == ["new:3", "other:3"]


def test_errors_go_to_the_one_error_path(qtbot, manager: JobManager) -> None:
    store = Store()
    errors = []
    manager.jobFailed.connect(errors.append)
    h = manager.submit("count", lambda: counting_job(store, "bad", 10, fail_at=4), description="Counting sheep")
    qtbot.waitUntil(lambda: h.is_done(), timeout=5000)
    assert h.state == "failed" and len(errors) == 1
    err = errors[0]
    assert err.kind == "count" and err.description == "Counting sheep"
    assert isinstance(err.exc, ValueError) and "boom at 4" in err.traceback
    assert store.log == ["bad:start", "bad:closed"]
    # A failing plain call takes the same path; the manager keeps working.
    manager.call("calc", lambda: 1 / 0)
    ok = manager.call("calc2", lambda a, b: a + b, 2, 3)
    qtbot.waitUntil(lambda: len(errors) == 2 and ok.is_done(), timeout=5000)
    assert isinstance(errors[1].exc, ZeroDivisionError) and ok.result == 5


def test_snapshots_are_coalesced_but_result_is_exact(qtbot, manager: JobManager) -> None:
    def layout_job():
        xy = np.zeros((50, 2), np.float32)
        for i in range(2000):
            xy = xy + 1
            yield Progress("umap", i, 2000, partial=xy)
        return xy

    seen: list[Progress] = []
    h = manager.submit("map", layout_job, on_progress=seen.append)
    qtbot.waitUntil(lambda: h.is_done(), timeout=10000)
    assert 1 <= len(seen) < 2000
    assert float(h.result[0, 0]) == 2000.0


def test_after_key_waits_for_other_kinds(qtbot, manager: JobManager) -> None:
    store = Store()
    h1 = manager.submit("map", lambda: counting_job(store, "map", 1000, delay=0.01), key="lib")
    qtbot.waitUntil(lambda: len(store.items) >= 2, timeout=5000)
    h1.cancel()
    h2 = manager.submit("embed", lambda: counting_job(store, "embed", 2), key="lib", after_key=True)
    qtbot.waitUntil(lambda: h2.is_done(), timeout=5000)
    assert store.log.index("map:closed") < store.log.index("embed:start")


def test_binding_keeps_references_to_true_and_none(qtbot) -> None:
    """PySide6 6.12.0 dropped a reference to True on every emit and to None on every void call,
    which aborts Python 3.11 after a few thousand calls; pyproject excludes that release. This
    fails on any binding with the bug."""
    import sys

    from PySide6.QtCore import QObject, QPoint, Signal

    class Emitter(QObject):
        sig = Signal(object)

    e = Emitter()
    got: list[int] = []
    e.sig.connect(got.append)
    p = QPoint(0, 0)
    true_before, none_before = sys.getrefcount(True), sys.getrefcount(None)
    for i in range(20_000):
        e.sig.emit(i)
        p.setX(i)  # a C++ void method
    assert len(got) == 20_000
    assert sys.getrefcount(True) >= true_before - 100
    assert sys.getrefcount(None) >= none_before - 100
