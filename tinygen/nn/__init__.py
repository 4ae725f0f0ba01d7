"""Neural-network building blocks. ``tinygen.nn.functional`` holds the stateless functions."""
from . import functional
