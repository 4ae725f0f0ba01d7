"""Generative models, one per file, each with the equation it implements in its docstring.

Import a model from its own module, for example ``from tinygen.models.vae import VAE``.
"""
