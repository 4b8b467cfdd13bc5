import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import sample_tasks  # noqa: E402


@pytest.fixture
def tracker():
    sample_tasks.tracker.reset()
    yield sample_tasks.tracker
    sample_tasks.tracker.reset()
