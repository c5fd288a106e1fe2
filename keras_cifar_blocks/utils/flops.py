"""Floating-point operations of a built Keras model, counted from its layers.

Counts the multiply-adds of the layers that dominate a CNN's cost:
`Conv1D/2D/3D` (with `groups`), `DepthwiseConv2D`, `SeparableConv2D` and
`Dense`, nested models and this package's blocks included, from the input
shape each layer was built with. One multiply-add is 2 FLOPs. Batch
normalization, activations, pooling and the optimizer's update are left
out: on these networks they are a few percent.
"""

import math

import keras

_CONVOLUTIONS = (
    keras.layers.Conv1D,
    keras.layers.Conv2D,
    keras.layers.Conv3D,
)


def _layer_macs(layer) -> int:
    """Multiply-adds of one forward pass of `layer` for one sample."""
    shapes = getattr(layer, "_build_shapes_dict", None) or {}
    input_shape = next(iter(shapes.values()), None)
    if input_shape is None:
        return 0
    input_shape = tuple(input_shape)
    if isinstance(layer, keras.layers.Dense):
        positions = math.prod(input_shape[1:-1])
        return positions * input_shape[-1] * layer.units
    if isinstance(layer, keras.layers.SeparableConv2D):
        output = layer.compute_output_shape(input_shape)
        positions = math.prod(output[1:-1])
        channels = input_shape[-1]
        depthwise = channels * layer.depth_multiplier
        kernel = math.prod(layer.kernel_size)
        return positions * (depthwise * kernel + depthwise * layer.filters)
    if isinstance(layer, keras.layers.DepthwiseConv2D):
        output = layer.compute_output_shape(input_shape)
        kernel = math.prod(layer.kernel_size)
        return math.prod(output[1:]) * kernel
    if isinstance(layer, _CONVOLUTIONS):
        output = layer.compute_output_shape(input_shape)
        per_output = math.prod(layer.kernel_size) * (
            input_shape[-1] // layer.groups
        )
        return math.prod(output[1:]) * per_output
    return 0


def count_flops(model) -> dict:
    """The forward and training FLOPs of `model` for one sample.

    The training estimate is the forward pass plus a backward pass that
    costs twice the forward pass of each layer with trainable weights
    (gradients of the weights and of the inputs), and once the forward
    pass of frozen layers that the gradient still crosses (those after
    the first trainable layer). A frozen backbone under a trainable head
    thus costs its forward pass only.

    Args:
        model: a built `keras.Model` (e.g. from
            `keras_cifar_blocks.architectures.build`).

    Returns:
        A dict: `forward` and `training`, FLOPs per sample (ints).

    Example:

    >>> import keras
    >>> model = keras.Sequential([
    ...     keras.Input((8, 8, 3)),
    ...     keras.layers.Conv2D(4, 3, padding="same"),
    ...     keras.layers.Flatten(),
    ...     keras.layers.Dense(10),
    ... ])
    >>> count_flops(model)  # 2 * (8*8*4*3*3*3 + 256*10)
    {'forward': 18944, 'training': 56832}
    """
    if not isinstance(model, keras.Model):
        raise TypeError(
            "Invalid type for argument `model`. Expected a keras.Model. "
            f"Received model={model!r} of type {type(model).__name__}"
        )
    if not model.built:
        raise ValueError(
            "Invalid value for argument `model`. Expected a built model "
            "(give it an Input or call it once). Received an unbuilt "
            f"model {model.name!r}"
        )
    forward = backward = 0
    gradient_flows = False
    for layer in model._flatten_layers(include_self=False, recursive=True):
        macs = _layer_macs(layer)
        if not macs:
            continue
        forward += macs
        if layer.trainable and layer.trainable_weights:
            backward += 2 * macs
            gradient_flows = True
        elif gradient_flows:
            backward += macs
    return {"forward": 2 * forward, "training": 2 * (forward + backward)}
