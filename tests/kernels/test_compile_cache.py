"""The compile cost of the CPU kernels is paid once per machine: a second process loads them from Numba's cache."""
from benchmarks.compile_cost import first_calls


def test_second_process_loads_every_kernel_from_the_cache(tmp_path):
    first, second = first_calls(tmp_path), first_calls(tmp_path)
    assert first["compiled"] > 0 and first["loaded"] == 0, first
    assert second["compiled"] == 0, f"the second process compiled again: {second}"
    assert second["loaded"] == first["compiled"], second
