"""``chalicelib.mcp.handoff``: the blocking work of an MCP request runs in the thread waiting for its answer, or in a
worker thread when none waits; failures reach the awaiting coroutine, and a view that gives up hands its work over."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

import pytest

from chalicelib.mcp.handoff import Inbox


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    running = asyncio.new_event_loop()
    thread = threading.Thread(target=running.run_forever, daemon=True)
    thread.start()
    yield running
    running.call_soon_threadsafe(running.stop)
    thread.join(5)
    running.close()


def submit(loop: asyncio.AbstractEventLoop, coroutine: Coroutine[Any, Any, Any]) -> Future[Any]:
    return asyncio.run_coroutine_threadsafe(coroutine, loop)


def starter(loop: asyncio.AbstractEventLoop, coroutine: Coroutine[Any, Any, Any]) -> Callable[[], Future[Any]]:
    return lambda: submit(loop, coroutine)


def where() -> str:
    return threading.current_thread().name


def test_work_runs_in_the_thread_waiting_for_the_answer(loop: asyncio.AbstractEventLoop) -> None:
    inbox = Inbox()

    async def request() -> list[str]:
        return [await inbox.run(where), await inbox.run(where)]

    ran_in = inbox.serve(starter(loop, request()), timeout=5)
    assert ran_in == [threading.current_thread().name] * 2


def test_work_posted_while_no_one_waits_runs_in_a_worker_thread(loop: asyncio.AbstractEventLoop) -> None:
    ran_in = submit(loop, Inbox().run(where)).result(5)
    assert ran_in not in (threading.current_thread().name, "")
    assert ran_in != loop_thread_name(loop)


def test_a_failure_reaches_the_awaiting_coroutine(loop: asyncio.AbstractEventLoop) -> None:
    inbox = Inbox()

    def broken() -> None:
        raise LookupError("no such row")

    async def request() -> str:
        try:
            await inbox.run(broken)
        except LookupError as exc:
            return f"caught {exc}"
        return "not raised"

    assert inbox.serve(starter(loop, request()), timeout=5) == "caught no such row"


def test_a_view_that_gives_up_hands_its_work_to_a_worker(loop: asyncio.AbstractEventLoop) -> None:
    inbox = Inbox()
    release = threading.Event()

    async def slow_then_work() -> str:
        await asyncio.get_running_loop().run_in_executor(None, release.wait, 5)  # past the view's patience
        return await inbox.run(where)

    answer = submit(loop, slow_then_work())
    with pytest.raises(FutureTimeout):
        inbox.serve(lambda: answer, timeout=0.05)
    release.set()
    assert answer.result(5) not in (threading.current_thread().name, "")


def test_past_its_deadline_a_view_starts_no_more_work(loop: asyncio.AbstractEventLoop) -> None:
    inbox = Inbox()

    async def request() -> list[Any]:
        return list(await asyncio.gather(inbox.run(block(0.2)), inbox.run(where)))

    started: list[Future[Any]] = []

    def start() -> Future[Any]:
        started.append(submit(loop, request()))
        return started[0]

    with pytest.raises(FutureTimeout):
        inbox.serve(start, timeout=0.1)
    _, second_ran_in = started[0].result(5)
    assert second_ran_in not in (threading.current_thread().name, "")


def block(seconds: float) -> Callable[[], None]:
    return lambda: threading.Event().wait(seconds)


def loop_thread_name(loop: asyncio.AbstractEventLoop) -> str:
    return str(asyncio.run_coroutine_threadsafe(_name(), loop).result(5))


async def _name() -> str:
    return where()
