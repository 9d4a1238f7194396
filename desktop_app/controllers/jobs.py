"""Run core job generators (``core.jobs``) on worker threads, with progress, cancel and one error path.

A *job* is a generator that yields :class:`core.jobs.Progress` and returns its result. The
:class:`JobManager` drives it on a worker thread; every ``yield`` is a progress point
and a cancellation point. Results, progress and partial results reach the GUI thread through
queued Qt signals.

Worker threads are Python threads (``concurrent.futures.ThreadPoolExecutor``), not
``QThreadPool`` threads: torch code run on reused Qt pool threads crashed the interpreter
(a use-after-free of the thread state in pybind11's ``gil_scoped_acquire`` →
"corrupted double-linked list"/SIGSEGV when switching to the 'pretrained' encoder), while the
same jobs on Python threads are fine. Signals emitted from these threads still reach the GUI
thread through queued connections.

Rules:

- A job has a *kind* (``"embed"``, ``"map"``, ...) and a *key* (usually the library root).
  Submitting a job of the same kind and key cancels the running one and starts the new one
  only after the old generator has been closed (``generator.close()`` on its own thread), so
  two jobs never write the same thing at once. A second pending job replaces the first.
- After :meth:`JobHandle.cancel`, nothing more from that job reaches the GUI: queued progress
  and a late result are dropped and ``cancelled`` is emitted once the generator is closed.
- Every exception ends up in :attr:`JobManager.jobFailed` (a :class:`JobError`) — the one
  error path the app connects to its error reporter.
- Progress is coalesced: snapshots (partials that are whole arrays, e.g. a UMAP layout) and
  plain progress are emitted at most ~30 times a second; incremental partials (e.g. an
  embedding batch) are never dropped.
"""

from __future__ import annotations

import dataclasses
import inspect
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal

from core.jobs import Cancelled, Progress, run_job

#: Minimum seconds between two forwarded snapshots/plain progress reports of one job.
MIN_INTERVAL = 1.0 / 30.0


@dataclass(slots=True)
class JobError:
    """A job that raised. ``description`` says what the user asked for, in words."""

    kind: str
    description: str
    exc: BaseException
    traceback: str


def _call_job(fn: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
    """Turn a plain function call into a job with no progress (a generator)."""
    return fn(*args, **kwargs)
    yield  # pragma: no cover - makes this function a generator


def _is_snapshot(p: Progress) -> bool:
    return p.partial is None or isinstance(p.partial, np.ndarray)


class JobHandle(QObject):
    """One submitted job. Signals are delivered on the GUI thread.

    ``state`` is one of ``pending``, ``running``, ``finished``, ``cancelled``, ``failed``.
    """

    progress = Signal(object)  # Progress
    finished = Signal(object)  # the generator's return value
    cancelled = Signal()
    failed = Signal(object)  # JobError
    ended = Signal(object)  # self, after any of the three above

    _raw_progress = Signal(object)
    _raw_finished = Signal(object)
    _raw_cancelled = Signal()
    _raw_failed = Signal(object)

    def __init__(self, kind: str, key: Any, make: Callable[[], Any], description: str = "") -> None:
        super().__init__()
        self.kind = kind
        self.key = key
        self.description = description or kind
        self._make = make
        self._cancel = threading.Event()
        self._done = threading.Event()
        self.state = "pending"
        self.last_progress: Progress | None = None
        self.result: Any = None
        self.started_at: float | None = None
        self.waiting_for: set[JobHandle] = set()
        queued = Qt.ConnectionType.QueuedConnection
        self._raw_progress.connect(self._on_progress, queued)
        self._raw_finished.connect(self._on_finished, queued)
        self._raw_cancelled.connect(self._on_cancelled, queued)
        self._raw_failed.connect(self._on_failed, queued)

    # -------------------------------------------------------------------- public API
    def cancel(self) -> None:
        """Ask the job to stop at its next yield (or never start, when still pending)."""
        if self.state in ("finished", "cancelled", "failed"):
            return
        self._cancel.set()
        if self.state == "pending":
            self._done.set()
            self._on_cancelled()

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    def is_done(self) -> bool:
        return self.state in ("finished", "cancelled", "failed")

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the worker side has ended (not until signals were delivered)."""
        return self._done.wait(timeout)

    # --------------------------------------------------------------- worker thread side
    def _run(self) -> None:
        """Drive the job with :func:`core.jobs.run_job` (the one driver), forwarding progress."""
        last = {"emit": 0.0, "stage": None}

        def forward(p: Progress) -> None:
            if not isinstance(p, Progress):
                return
            now = time.monotonic()
            if (not _is_snapshot(p)) or p.stage != last["stage"] or now - last["emit"] >= MIN_INTERVAL:
                last["emit"], last["stage"] = now, p.stage
                # Jobs may reuse and mutate one Progress object (and its dict of loss terms): send a snapshot.
                part = dict(p.partial) if isinstance(p.partial, dict) else p.partial
                self._raw_progress.emit(dataclasses.replace(p, partial=part))

        try:
            if self._cancel.is_set():
                raise Cancelled("before start")
            job = self._make()
            result = run_job(job, forward, self._cancel.is_set) if inspect.isgenerator(job) else job
            if self._cancel.is_set():
                raise Cancelled("after the last step")
            self._raw_finished.emit(result)
        except Cancelled:
            self._raw_cancelled.emit()
        except BaseException as exc:  # noqa: BLE001 - every error goes to the one error path
            if self._cancel.is_set() and isinstance(exc, GeneratorExit):
                self._raw_cancelled.emit()
            else:
                self._raw_failed.emit(JobError(self.kind, self.description, exc, traceback.format_exc()))
        finally:
            self._done.set()

    # ------------------------------------------------------------------ GUI thread side
    def _on_progress(self, p: Progress) -> None:
        if self._cancel.is_set() or self.is_done():
            return
        self.last_progress = p
        self.progress.emit(p)

    def _end(self, state: str) -> None:
        self.state = state
        self.ended.emit(self)

    def _on_finished(self, result: Any) -> None:
        if self.is_done():
            return
        if self._cancel.is_set():
            self._on_cancelled()
            return
        self.result = result
        self.state = "finished"
        self.finished.emit(result)
        self._end("finished")

    def _on_cancelled(self) -> None:
        if self.is_done():
            return
        self.state = "cancelled"
        self.cancelled.emit()
        self._end("cancelled")

    def _on_failed(self, err: JobError) -> None:
        if self.is_done():
            return
        self.state = "failed"
        self.failed.emit(err)
        self._end("failed")


class JobManager(QObject):
    """Submits jobs to a private thread pool; tracks them by ``(kind, key)``.

    Signals (GUI thread): ``jobStarted(handle)``, ``jobProgress(handle, Progress)``,
    ``jobEnded(handle)`` and ``jobFailed(JobError)`` — the single error path.
    """

    jobStarted = Signal(object)
    jobProgress = Signal(object, object)
    jobEnded = Signal(object)
    jobFailed = Signal(object)

    def __init__(self, max_threads: int = 4, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=max(1, max_threads), thread_name_prefix="job")
        self._started: list[JobHandle] = []
        self._shut = False
        self._handles: list[JobHandle] = []

    # ----------------------------------------------------------------------- submit
    def submit(
        self,
        kind: str,
        make: Callable[[], Any],
        *,
        key: Any = None,
        description: str = "",
        after_key: bool = False,
        on_progress: Callable[[Progress], None] | None = None,
        on_result: Callable[[Any], None] | None = None,
        on_cancel: Callable[[], None] | None = None,
        on_error: Callable[[JobError], None] | None = None,
    ) -> JobHandle:
        """Run ``make()`` (returning a job generator, or any value for a plain call) on a worker.

        A running or pending job with the same ``kind`` and ``key`` is cancelled first; the new
        job starts once it has closed. With ``after_key`` the job also waits for every other
        job with the same key (used when switching encoder, so nothing writes concurrently).
        ``on_error`` runs in addition to (not instead of) ``jobFailed``.
        """
        handle = JobHandle(kind, key, make, description)
        for old in self.active():
            if old.key != key:
                continue
            if old.kind == kind:
                old.cancel()
                if old.state == "running":
                    handle.waiting_for.add(old)
            elif after_key and old.state == "running":
                handle.waiting_for.add(old)
            elif after_key and old.state == "pending":
                handle.waiting_for |= {w for w in old.waiting_for if not w.is_done()}
        if on_progress is not None:
            handle.progress.connect(on_progress)
        if on_result is not None:
            handle.finished.connect(on_result)
        if on_cancel is not None:
            handle.cancelled.connect(on_cancel)
        if on_error is not None:
            handle.failed.connect(on_error)
        handle.progress.connect(lambda p, h=handle: self.jobProgress.emit(h, p))
        handle.failed.connect(self.jobFailed.emit)
        handle.ended.connect(self._on_ended)
        self._handles.append(handle)
        self._maybe_start(handle)
        return handle

    def call(self, kind: str, fn: Callable[..., Any], *args: Any, key: Any = None, description: str = "",
             on_result: Callable[[Any], None] | None = None, on_error: Callable[[JobError], None] | None = None,
             **kwargs: Any) -> JobHandle:
        """Run a plain function on a worker with the same cancel/replace rules as :meth:`submit`."""
        return self.submit(kind, lambda: _call_job(fn, args, kwargs), key=key, description=description,
                           on_result=on_result, on_error=on_error)

    def _maybe_start(self, handle: JobHandle) -> None:
        if handle.state != "pending" or handle.cancel_requested:
            return
        handle.waiting_for = {w for w in handle.waiting_for if not w.is_done()}
        if handle.waiting_for:
            return
        if self._shut:
            handle.cancel()
            return
        handle.state = "running"
        handle.started_at = time.monotonic()
        self.jobStarted.emit(handle)
        self._started = [h for h in self._started if not h._done.is_set()] + [handle]
        self._pool.submit(handle._run)

    def _on_ended(self, handle: JobHandle) -> None:
        if handle in self._handles:
            self._handles.remove(handle)
        self.jobEnded.emit(handle)
        for other in list(self._handles):
            if handle in other.waiting_for:
                self._maybe_start(other)

    # ------------------------------------------------------------------- inspection
    def active(self, kind: str | None = None, key: Any = None, *, any_key: bool = True) -> list[JobHandle]:
        """Jobs not yet ended, optionally filtered by kind and/or key."""
        out = [h for h in self._handles if not h.is_done()]
        if kind is not None:
            out = [h for h in out if h.kind == kind]
        if key is not None or not any_key:
            out = [h for h in out if h.key == key]
        return out

    def is_busy(self, kinds: Iterable[str] | None = None) -> bool:
        kinds = set(kinds) if kinds is not None else None
        return any(kinds is None or h.kind in kinds for h in self.active())

    def cancel(self, kind: str | None = None, key: Any = None) -> None:
        for h in self.active(kind, key):
            h.cancel()

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Cancel everything and wait for the worker threads (call before quitting)."""
        self._shut = True
        for h in list(self._handles):
            h.cancel()
        deadline = time.monotonic() + timeout_ms / 1000.0
        ok = all(h.wait(max(0.0, deadline - time.monotonic())) for h in list(self._started))
        if ok:
            self._pool.shutdown(wait=False)
        return ok
