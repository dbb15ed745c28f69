"""The run lock lets one sync at a time use a store, and frees itself however the sync ends."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable

import pytest

from connector.errors import StateError
from connector.state import StateStore

HELD = r"another leadscore sync is running \(pid \d+ on .+, since \d{4}-"


def test_a_second_holder_is_refused(open_state_store: Callable[[], StateStore]) -> None:
    first, second = open_state_store(), open_state_store()

    with first.run_lock(), pytest.raises(StateError, match=HELD), second.run_lock():
        pytest.fail("the second store took a lock already held")


def test_the_lock_is_free_after_the_block(open_state_store: Callable[[], StateStore]) -> None:
    first, second = open_state_store(), open_state_store()
    with first.run_lock():
        pass

    with second.run_lock():
        pass


def test_the_lock_is_free_after_an_exception(open_state_store: Callable[[], StateStore]) -> None:
    first, second = open_state_store(), open_state_store()
    with pytest.raises(RuntimeError, match="sync failed"), first.run_lock():
        raise RuntimeError("sync failed")

    with second.run_lock():
        pass


def test_the_lock_is_free_after_closing_its_store(
    open_state_store: Callable[[], StateStore],
) -> None:
    first, second = open_state_store(), open_state_store()
    with first.run_lock():
        pass
    first.close()

    with second.run_lock():
        pass


def test_waiting_takes_the_lock_once_freed(open_state_store: Callable[[], StateStore]) -> None:
    first, second = open_state_store(), open_state_store()
    acquired = threading.Event()

    def wait_for_lock() -> None:
        with second.run_lock(wait=True):
            acquired.set()

    with first.run_lock():
        waiter = threading.Thread(target=wait_for_lock)
        waiter.start()
        assert not acquired.wait(timeout=0.3)
    waiter.join(timeout=10)

    assert acquired.is_set()


HOLD_LOCK = """
import sys, time
from connector.state import StateStore
store = StateStore.open(sys.argv[1])
with store.run_lock():
    print("held", flush=True)
    time.sleep(60)
"""


def test_a_killed_holder_frees_the_lock(state_url: str, state_store: StateStore) -> None:
    with subprocess.Popen(  # noqa: S603 - our own interpreter running our own snippet
        [sys.executable, "-c", HOLD_LOCK, state_url], stdout=subprocess.PIPE, text=True
    ) as holder:
        try:
            assert holder.stdout is not None
            assert holder.stdout.readline().strip() == "held"
            with pytest.raises(StateError, match=f"pid {holder.pid}"), state_store.run_lock():
                pass
        finally:
            holder.kill()

    with state_store.run_lock(wait=True):
        pass
