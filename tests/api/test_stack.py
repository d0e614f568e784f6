"""api.stack.call runs the call unchanged (its point, CPU time, is measured in make bench)."""

import sys

import pytest

from api import stack


def test_call_passes_arguments_results_and_errors():
    assert stack.call(lambda a, b=0: a + b, 2, b=3) == 5
    with pytest.raises(ZeroDivisionError):
        stack.call(lambda: 1 / 0)


def test_call_opens_a_frame_larger_than_a_stack_chunk():
    frame_bytes = stack._call.__code__.co_nlocals * 8
    assert frame_bytes + 8_000 > 64 * 1024  # CPython then opens a 128 KB chunk
    assert sys.getrecursionlimit() > 100  # the call itself adds one frame only
