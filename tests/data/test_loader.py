"""Data sets and the DataLoader: batching, seeded shuffling, the last batch, transforms, devices."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygen as tg
from tinygen.data import ArrayDataset, DataLoader, Dataset


def indices_of(loader, **batches_options):
    """The example indices of each batch (the data set holds 0..N-1)."""
    return [batch[0].numpy().tolist() for batch in loader.batches(**batches_options)]


def flat(batches):
    return [index for batch in batches for index in batch]


def numbered(n):
    return ArrayDataset(np.arange(n), np.arange(n) * 10)


@given(n=st.integers(1, 40), batch_size=st.integers(1, 12), drop_last=st.booleans())
def test_unshuffled_batches_cut_the_data_in_order_with_a_short_or_dropped_last_batch(n, batch_size, drop_last):
    if drop_last and n < batch_size:
        with pytest.raises(ValueError, match=f"batch_size {batch_size} larger than the data set \\({n} examples"):
            DataLoader(numbered(n), batch_size, drop_last=drop_last)
        return
    loader = DataLoader(numbered(n), batch_size, drop_last=drop_last)
    batches = indices_of(loader)
    assert len(batches) == len(loader)
    full = n // batch_size * batch_size
    assert flat(batches) == list(range(full if drop_last else n))
    assert all(len(batch) == batch_size for batch in batches[:-1])
    assert len(batches[-1]) == (batch_size if drop_last or n % batch_size == 0 else n % batch_size)


@given(n=st.integers(2, 60), batch_size=st.integers(1, 16), seed=st.integers(0, 2**32), epoch=st.integers(0, 50))
def test_each_shuffled_epoch_is_a_permutation_fixed_by_seed_and_epoch(n, batch_size, seed, epoch):
    loader = DataLoader(numbered(n), batch_size, shuffle=True, seed=seed)
    order = flat(indices_of(loader, epoch=epoch))
    assert sorted(order) == list(range(n))
    assert order == flat(indices_of(DataLoader(numbered(n), batch_size, shuffle=True, seed=seed), epoch=epoch))
    assert order == loader.order(epoch).tolist()


def test_epochs_and_seeds_give_different_orders():
    loader = DataLoader(numbered(100), 10, shuffle=True, seed=3)
    first, second = loader.order(0), loader.order(1)
    other_seed = DataLoader(numbered(100), 10, shuffle=True, seed=4).order(0)
    assert not np.array_equal(first, second) and not np.array_equal(first, other_seed)


def test_each_for_loop_over_the_loader_is_the_next_epoch():
    loader = DataLoader(numbered(30), 7, shuffle=True, seed=0)
    for epoch in range(3):
        assert [b[0].numpy().tolist() for b in loader] == indices_of(loader, epoch=epoch)


@given(start=st.integers(0, 8))
def test_starting_at_batch_k_gives_the_rest_of_the_epoch(start):
    loader = DataLoader(numbered(50), 7, shuffle=True, seed=1)
    assert indices_of(loader, epoch=5, start=start) == indices_of(loader, epoch=5)[start:]


def test_without_a_seed_manual_seed_fixes_the_order():
    tg.manual_seed(7)
    first = DataLoader(numbered(50), 5, shuffle=True).order(0)
    tg.manual_seed(7)
    assert np.array_equal(DataLoader(numbered(50), 5, shuffle=True).order(0), first)


def test_batches_are_tensors_of_the_arrays_rows_with_the_transform_on_the_inputs():
    images = np.arange(24, dtype=np.uint8).reshape(6, 2, 2)
    labels = np.arange(6, dtype=np.int64)
    dataset = ArrayDataset(images, labels, transform=lambda x: x.astype(np.float32) / 2)
    x, y = next(iter(DataLoader(dataset, 4, device="cpu")))
    assert isinstance(x, tg.Tensor) and x.device == "cpu" and x.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_array_equal(x.numpy(), images[:4] / 2)
    np.testing.assert_array_equal(y.numpy(), labels[:4])
    np.testing.assert_array_equal(dataset[5][0], images[5] / 2)


def test_a_dataset_of_single_examples_is_batched_by_stacking():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, index):
            return np.array([index, index**2]), np.int64(index % 2)

    x, parity = list(DataLoader(Squares(), 2))[-1]
    np.testing.assert_array_equal(x.numpy(), [[4, 16]])
    np.testing.assert_array_equal(parity.numpy(), [0])


def test_bad_loader_and_dataset_arguments_are_named():
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 0"):
        DataLoader(numbered(3), 0)
    with pytest.raises(ValueError, match=r"same length, got lengths \[3, 2\]"):
        ArrayDataset(np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        DataLoader(numbered(3), 1, device="tpu")


def test_pytorchs_num_workers_and_pin_memory_are_accepted_and_change_nothing():
    plain = DataLoader(numbered(10), 3, shuffle=True, seed=1)
    ported = DataLoader(numbered(10), 3, shuffle=True, seed=1, num_workers=4, pin_memory=True)
    assert [y.tolist() for _, y in ported] == [y.tolist() for _, y in plain]


@pytest.mark.skipif(tg.gpu_available(), reason="checks the message shown when no GPU is usable")
def test_a_loader_for_a_missing_gpu_fails_at_once_with_the_install_hint():
    with pytest.raises(tg.DeviceError, match=r'pip install -e "\.\[gpu\]"'):
        DataLoader(numbered(3), 1, device="gpu")


@pytest.mark.gpu
def test_batches_arrive_on_the_gpu():
    x, y = next(iter(DataLoader(numbered(8), 4, shuffle=True, seed=0, device="gpu")))
    assert x.device == "gpu" and y.device == "gpu"
    np.testing.assert_array_equal(y.numpy(), x.numpy() * 10)
