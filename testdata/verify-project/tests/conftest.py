import os
import time


def pytest_runtest_setup(item):
    delay = float(os.environ.get("VERIFY_SLOW", "0"))
    if delay:
        time.sleep(delay)
