from __future__ import annotations

import os
import sys
import threading

import pytest

from ci_optimizer.adapters.image_export import BACKGROUND_NICE, yield_cpu


@pytest.mark.skipif(sys.platform != "linux", reason="a thread's own nice value is Linux's")
def test_yield_cpu_lowers_the_calling_thread_only() -> None:
    seen: dict[str, int] = {}

    def worker() -> None:
        thread = threading.get_native_id()
        before = os.getpriority(os.PRIO_PROCESS, thread)
        yield_cpu()
        seen["before"], seen["after"] = before, os.getpriority(os.PRIO_PROCESS, thread)
        yield_cpu()  # never past the lowest priority there is
        seen["twice"] = os.getpriority(os.PRIO_PROCESS, thread)

    main = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen["after"] == min(19, seen["before"] + BACKGROUND_NICE)
    assert seen["twice"] == min(19, seen["before"] + 2 * BACKGROUND_NICE) == 19
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == main
