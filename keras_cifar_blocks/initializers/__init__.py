"""Keras initializers for CIFAR-sized convolutions; each works on every
backend and is registered for serialization."""

from keras_cifar_blocks.initializers.dirac import Dirac

__all__ = ["Dirac"]
