"""tinygen.threads: small products on one thread, large ones on all, and the thread count always put back."""
import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from tinygen import threads


def blas_threads():
    return [library["num_threads"] for library in threadpool_info() if library["user_api"] == "blas"]


@pytest.fixture
def two_threads():
    """Two BLAS threads (what a 2-core machine starts with), whatever the environment asked for, then put back."""
    most = threads.get_num_threads()
    threads.set_num_threads(2)
    yield
    threads.set_num_threads(most)


@pytest.mark.parametrize("a_shape, b_shape", [((3, 4), (4, 5)), ((2, 3, 4), (4, 5)), ((4,), (4, 5)), ((3, 4), (4,)),
                                              ((2, 1, 3, 4), (5, 4, 2)), ((300, 200), (200, 100))])
def test_product_is_matmul(a_shape, b_shape, two_threads):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    # Bit for bit against a @ b on as many threads as product used: OpenBLAS's one- and two-thread products may
    # differ in the last bit (on an AMD EPYC, 362 of the 300x100 entries, by up to 4e-14).
    with threadpool_limits(1 if threads.runs_serial(a.shape, b.shape) else None, user_api="blas"):
        expected = a @ b
    np.testing.assert_array_equal(threads.product(a, b), expected)
    out = np.empty_like(expected)
    assert threads.product(a, b, out=out) is out
    np.testing.assert_array_equal(out, expected)


def test_product_flops_counts_one_matrix_of_a_stack():
    assert threads.product_flops((7, 3, 4), (4, 5)) == 2 * 3 * 4 * 5
    assert threads.product_flops((4,), (4, 5)) == 2 * 4 * 5
    assert threads.product_flops((3, 4), (4,)) == 2 * 3 * 4


def test_only_the_middle_band_goes_serial(two_threads):
    assert not threads.runs_serial((8, 8), (8, 8))  # OpenBLAS keeps it on one thread by itself
    assert threads.runs_serial((256, 128), (128, 128))  # the small MLP GAN's products
    assert not threads.runs_serial((32, 288), (288, 50176))  # a 32-channel 3x3 convolution of 64 28x28 images
    previous = threads.set_serial_below(0)
    try:
        assert not threads.runs_serial((256, 128), (128, 128))
    finally:
        threads.set_serial_below(previous)


def test_a_serial_product_puts_the_thread_count_back(two_threads):
    assert set(blas_threads()) == {2}
    a = np.ones((256, 128), np.float32)
    threads.product(a, a.T[:, :128].copy())
    assert set(blas_threads()) == {2}


def test_set_num_threads_reaches_blas(two_threads):
    threads.set_num_threads(1)
    assert threads.get_num_threads() == 1 and set(blas_threads()) == {1}
    assert not threads.runs_serial((256, 128), (128, 128))  # one thread already: nothing to switch


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2"])
def test_set_num_threads_rejects_what_is_not_a_count(bad):
    with pytest.raises(ValueError, match="whole number of threads"):
        threads.set_num_threads(bad)


def test_set_serial_below_rejects_negative():
    with pytest.raises(ValueError, match=">= 0"):
        threads.set_serial_below(-1)


def test_pytorch_names_at_the_top():
    import tinygen

    assert tinygen.set_num_threads is threads.set_num_threads and tinygen.get_num_threads is threads.get_num_threads


def test_kernels_share_their_loops_only_above_the_threshold(two_threads):
    import numba

    most = numba.get_num_threads()
    small = threads.SERIAL_BELOW / threads.VALUE_FLOPS
    assert threads.kernel_threads(small / 2) == 1 and threads.kernel_threads(2 * small) == most
    previous = threads.set_serial_below(0)
    try:
        assert threads.kernel_threads(1) == most
    finally:
        threads.set_serial_below(previous)
    threads.set_num_threads(1)
    assert threads.kernel_threads(2 * small) == 1
