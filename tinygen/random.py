"""Reproducible random numbers on every device.

Each device has its own generator (NumPy's or CuPy's ``default_rng``), made on
first use from the seed given to ``manual_seed``. Everything random in tinygen
(``rand``, ``randn``, dropout masks, data shuffling) draws from these, so one
``manual_seed(0)`` at the top of a script makes a CPU run repeat bit for bit.
"""
from . import backend

_seed = None
_generators = {}


def manual_seed(seed):
    """Seed the generators of all devices (the GPU's is made on first use)."""
    global _seed
    _seed = int(seed)
    _generators.clear()


def generator(device=backend.CPU):
    """The generator of ``device``: a ``numpy.random.Generator`` or its CuPy twin."""
    device = backend.normalize_device(device)
    if device not in _generators:
        _generators[device] = backend.array_module_for(device).random.default_rng(_seed)
    return _generators[device]


def get_rng_state():
    """The CPU generator's state, for checkpoints that must resume exactly."""
    return generator(backend.CPU).bit_generator.state


def set_rng_state(state):
    generator(backend.CPU).bit_generator.state = state
