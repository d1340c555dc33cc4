"""Where a tool call's blocking work runs: in the thread that waits for the request's answer.

A tool does blocking I/O, so it cannot run on the event loop. The view thread that handed the request to the loop
(``chalicelib.mcp.bridge``) has nothing to do until the answer is back, so, while it waits, it runs the request's
blocking work itself: the loop posts it to the request's ``Inbox`` and awaits its result. The hand-offs are those a
worker thread needs (loop to thread, thread to loop), without the pool's own bookkeeping or a third thread to wake:
on a busy machine each thread woken, and each transfer of the GIL to it, can cost milliseconds.

Work posted while no view waits (a request built without the bridge, or after its view gave up) goes to anyio's
worker threads, as it did before.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

import anyio.to_thread

T = TypeVar("T")
_Job = tuple[Callable[[], Any], "asyncio.Future[Any]", asyncio.AbstractEventLoop]
_ANSWERED = None  # what the queue receives when the answer is ready


class Inbox:
    """The blocking work of one request, run by the thread serving it while that thread waits for the answer."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: queue.SimpleQueue[_Job | None] | None = None  # set while a view waits

    async def run(self, work: Callable[[], T]) -> T:
        """``work()`` off the event loop: in the waiting view's thread, else in a worker thread."""
        loop = asyncio.get_running_loop()
        result: asyncio.Future[T] = loop.create_future()
        with self._lock:
            jobs = self._jobs
            if jobs is not None:
                jobs.put((work, result, loop))
        if jobs is None:
            return await anyio.to_thread.run_sync(work)
        return await result

    def serve(self, start: Callable[[], Future[T]], timeout: float) -> T:
        """``start()`` the request, then run the work it posts until its answer is done; ``FutureTimeout`` after
        ``timeout`` seconds (checked between two pieces of work, which are not interrupted)."""
        deadline = time.monotonic() + timeout
        jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        with self._lock:  # open before the request starts, so that its first piece of work finds this thread
            self._jobs = jobs
        try:
            answer = start()
        except BaseException:
            with self._lock:
                self._jobs = None
            raise
        answer.add_done_callback(lambda _: jobs.put(_ANSWERED))
        try:
            while True:
                try:
                    job = jobs.get(timeout=max(deadline - time.monotonic(), 0))
                except queue.Empty:
                    raise FutureTimeout from None
                if job is _ANSWERED:
                    return answer.result()
                _run(job)
                if time.monotonic() > deadline and not answer.done():
                    raise FutureTimeout
        finally:
            with self._lock:
                self._jobs = None
            _hand_over(jobs)


def _run(job: _Job) -> None:
    work, result, loop = job
    try:
        value = work()
    except BaseException as exc:
        loop.call_soon_threadsafe(_settle, result, None, exc)
        if not isinstance(exc, Exception):  # an interpreter exit is this thread's too
            raise
    else:
        loop.call_soon_threadsafe(_settle, result, value, None)


def _settle(result: asyncio.Future[Any], value: Any, exc: BaseException | None) -> None:
    if result.done():  # the awaiting task was cancelled meanwhile
        return
    if exc is None:
        result.set_result(value)
    else:
        result.set_exception(exc)


def _hand_over(jobs: queue.SimpleQueue[_Job | None]) -> None:
    """Work posted that the view will not run (it gave up waiting) goes to worker threads."""
    while True:
        try:
            job = jobs.get_nowait()
        except queue.Empty:
            return
        if job is not _ANSWERED:
            work, result, loop = job
            loop.call_soon_threadsafe(loop.create_task, _in_worker(work, result))


async def _in_worker(work: Callable[[], Any], result: asyncio.Future[Any]) -> None:
    try:
        value = await anyio.to_thread.run_sync(work)
    except Exception as exc:
        _settle(result, None, exc)
    else:
        _settle(result, value, None)
