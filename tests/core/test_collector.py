"""The cycle collector paused while a large result is built, and restored as it was."""

from __future__ import annotations

import gc
import threading

import pytest

from core.collector import collector_paused


def test_the_collector_is_off_inside_and_back_after_even_on_error():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause is still under way
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("calcolo interrotto")
    assert gc.isenabled()


def test_a_collector_turned_off_by_the_caller_stays_off():
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_as_a_decorator_and_in_threads_the_last_pause_restores_it():
    inside = threading.Event()
    release = threading.Event()

    @collector_paused()
    def slow():
        inside.set()
        release.wait(5)

    worker = threading.Thread(target=slow)
    worker.start()
    inside.wait(5)
    with collector_paused():
        pass
    assert not gc.isenabled()  # the thread's pause is still under way
    release.set()
    worker.join(5)
    assert gc.isenabled()
