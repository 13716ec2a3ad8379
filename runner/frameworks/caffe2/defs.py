"""Native Caffe2 definitions of the benchmark CNNs, built with ``brew`` (imported only in the caffe2 env).

Each builder adds the model's operators to a ``model_helper.ModelHelper`` in NCHW, the canonical weights'
layouts (Conv weights OIHW, FC weights (out, in), flatten in C-major order), so the canonical ``.npz``
loads without any transposition. A layer's blob is its module path in the reference definitions
(``features.0``) and brew names its parameters ``<path>_w``/``_b`` (Conv, FC), ``<path>_s``/``_b``/``_rm``/
``_riv`` (SpatialBN: scale, bias, running mean, running variance; in test mode the fourth input is the
variance itself): :func:`torch_key` maps them back to ``state_dict`` keys.

Differences from the reference graphs, each exact: SqueezeNet's ``ceil_mode`` max pools pad the bottom and
right edges where the last window would be cut (``pad_b``/``pad_r``; Caffe2's ``legacy_pad=3`` ceil rounding
logs a warning on every run, which would land in the timed loop), for the spec's 224x224 input; AlexNet's
``AdaptiveAvgPool2d((6, 6))`` is the identity on the 6x6 map of a 224x224 input and is left out;
ReLU6 is ``Clip(0, 6)``; BatchNorm is ``SpatialBN`` in test mode (eps 1e-5); dropout is a no-op.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Tuple

from caffe2.python import brew

#: brew's parameter suffixes, longest first, and the canonical weight-name leaf they come from.
_SUFFIXES = (("_riv", "running_var"), ("_rm", "running_mean"), ("_s", "weight"), ("_w", "weight"),
             ("_b", "bias"))
BN_EPSILON = 1e-5


def torch_key(blob: str) -> str:
    """The ``state_dict`` key of parameter blob ``blob`` (``features.0_w`` → ``features.0.weight``)."""
    for suffix, leaf in _SUFFIXES:
        if blob.endswith(suffix):
            return f"{blob[: -len(suffix)]}.{leaf}"
    raise KeyError(f"{blob!r} is not a brew parameter name")


def conv(m: Any, x: str, name: str, cin: int, cout: int, k: int, stride: int = 1, pad: int = 0,
         bias: bool = True, group: int = 1) -> str:
    return brew.conv(m, x, name, cin, cout, k, stride=stride, pad=pad, group=group, no_bias=not bias)


def conv_relu(m: Any, x: str, name: str, cin: int, cout: int, k: int, **kw: Any) -> str:
    return brew.relu(m, conv(m, x, name, cin, cout, k, **kw), name)


def bn(m: Any, x: str, name: str, channels: int) -> str:
    return brew.spatial_bn(m, x, name, channels, epsilon=BN_EPSILON, is_test=True)


def tinycnn(m: Any, x: str) -> str:
    y = conv_relu(m, x, "features.0", 3, 8, 3, pad=1)
    y = brew.max_pool(m, y, "features.2", kernel=2, stride=2)
    y = conv_relu(m, y, "features.3", 8, 16, 3, pad=1)
    y = brew.average_pool(m, y, "features.5", global_pooling=True)
    return brew.fc(m, y, "classifier", 16, 10)


def alexnet(m: Any, x: str) -> str:
    y = conv_relu(m, x, "features.0", 3, 64, 11, stride=4, pad=2)
    y = brew.max_pool(m, y, "features.2", kernel=3, stride=2)
    y = conv_relu(m, y, "features.3", 64, 192, 5, pad=2)
    y = brew.max_pool(m, y, "features.5", kernel=3, stride=2)
    y = conv_relu(m, y, "features.6", 192, 384, 3, pad=1)
    y = conv_relu(m, y, "features.8", 384, 256, 3, pad=1)
    y = conv_relu(m, y, "features.10", 256, 256, 3, pad=1)
    y = brew.max_pool(m, y, "features.12", kernel=3, stride=2)  # 6x6 for 224 inputs: avgpool is identity
    y = brew.relu(m, brew.fc(m, y, "classifier.1", 256 * 6 * 6, 4096), "classifier.1")
    y = brew.relu(m, brew.fc(m, y, "classifier.4", 4096, 4096), "classifier.4")
    return brew.fc(m, y, "classifier.6", 4096, 1000)


def fire(m: Any, x: str, name: str, cin: int, squeeze: int, e1: int, e3: int) -> str:
    s = conv_relu(m, x, f"{name}.squeeze", cin, squeeze, 1)
    a = conv_relu(m, s, f"{name}.expand1x1", squeeze, e1, 1)
    b = conv_relu(m, s, f"{name}.expand3x3", squeeze, e3, 3, pad=1)
    return brew.concat(m, [a, b], name, axis=1)


_FIRES = {
    "1_0": {3: (96, 16, 64), 4: (128, 16, 64), 5: (128, 32, 128), 7: (256, 32, 128), 8: (256, 48, 192),
            9: (384, 48, 192), 10: (384, 64, 256), 12: (512, 64, 256)},
    "1_1": {3: (64, 16, 64), 4: (128, 16, 64), 6: (128, 32, 128), 7: (256, 32, 128), 9: (256, 48, 192),
            10: (384, 48, 192), 11: (384, 64, 256), 12: (512, 64, 256)},
}
_POOLS = {"1_0": (2, 6, 11), "1_1": (2, 5, 8)}


def ceil_pool(m: Any, x: str, name: str, size: int) -> Tuple[str, int]:
    """The reference's MaxPool2d(3, 2, ceil_mode=True) on a ``size`` x ``size`` map: the last window is kept by
    padding the bottom and right edges (padding never wins a Caffe2 max). Returns the blob and its size."""
    out = -(-(size - 3) // 2) + 1
    extra = (out - 1) * 2 + 3 - size
    return brew.max_pool(m, x, name, kernel=3, stride=2, pad_t=0, pad_l=0, pad_b=extra, pad_r=extra), out


def squeezenet(version: str, image: int = 224) -> Callable[[Any, str], str]:
    def build(m: Any, x: str) -> str:
        channels, k = (96, 7) if version == "1_0" else (64, 3)
        y, size = conv_relu(m, x, "features.0", 3, channels, k, stride=2), (image - k) // 2 + 1
        for i in range(2, 13):
            if i in _POOLS[version]:
                y, size = ceil_pool(m, y, f"features.{i}", size)
            elif i in _FIRES[version]:
                cin, sq, e = _FIRES[version][i]
                y = fire(m, y, f"features.{i}", cin, sq, e, e)
        y = conv_relu(m, y, "classifier.1", 512, 1000, 1)
        y = brew.average_pool(m, y, "classifier.3", global_pooling=True)
        return m.net.Flatten(y, "flatten", axis=1)

    return build


def bottleneck(m: Any, x: str, name: str, cin: int, planes: int, stride: int) -> str:
    out = planes * 4
    y = brew.relu(m, bn(m, conv(m, x, f"{name}.conv1", cin, planes, 1, bias=False), f"{name}.bn1", planes),
                  f"{name}.bn1")
    y = conv(m, y, f"{name}.conv2", planes, planes, 3, stride=stride, pad=1, bias=False)
    y = brew.relu(m, bn(m, y, f"{name}.bn2", planes), f"{name}.bn2")
    y = bn(m, conv(m, y, f"{name}.conv3", planes, out, 1, bias=False), f"{name}.bn3", out)
    shortcut = x
    if stride != 1 or cin != out:
        shortcut = conv(m, x, f"{name}.downsample.0", cin, out, 1, stride=stride, bias=False)
        shortcut = bn(m, shortcut, f"{name}.downsample.1", out)
    return brew.relu(m, brew.sum(m, [y, shortcut], f"{name}.sum"), f"{name}.out")


def resnet50(m: Any, x: str) -> str:
    y = conv(m, x, "conv1", 3, 64, 7, stride=2, pad=3, bias=False)
    y = brew.relu(m, bn(m, y, "bn1", 64), "bn1")
    y = brew.max_pool(m, y, "maxpool", kernel=3, stride=2, pad=1)
    cin = 64
    for layer, (planes, blocks, stride) in enumerate(((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)), 1):
        for i in range(blocks):
            y = bottleneck(m, y, f"layer{layer}.{i}", cin, planes, stride if i == 0 else 1)
            cin = planes * 4
    y = brew.average_pool(m, y, "avgpool", global_pooling=True)
    return brew.fc(m, y, "fc", 2048, 1000)


def conv_bn_relu6(m: Any, x: str, name: str, cin: int, cout: int, k: int, stride: int = 1,
                  group: int = 1) -> str:
    y = conv(m, x, f"{name}.0", cin, cout, k, stride=stride, pad=(k - 1) // 2, bias=False, group=group)
    return m.net.Clip(bn(m, y, f"{name}.1", cout), f"{name}.2", min=0.0, max=6.0)


def inverted_residual(m: Any, x: str, name: str, cin: int, cout: int, stride: int, expand: int) -> str:
    hidden, i, y = cin * expand, 0, x
    if expand != 1:
        y, i = conv_bn_relu6(m, y, f"{name}.conv.0", cin, hidden, 1), 1
    y = conv_bn_relu6(m, y, f"{name}.conv.{i}", hidden, hidden, 3, stride, group=hidden)
    y = bn(m, conv(m, y, f"{name}.conv.{i + 1}", hidden, cout, 1, bias=False), f"{name}.conv.{i + 2}", cout)
    return brew.sum(m, [x, y], f"{name}.sum") if stride == 1 and cin == cout else y


#: (expansion t, output channels c, repeats n, first stride s), torchvision's table.
MOBILENET_V2_SETTINGS = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                         (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1))


def mobilenet_v2(m: Any, x: str) -> str:
    y, cin, index = conv_bn_relu6(m, x, "features.0", 3, 32, 3, 2), 32, 1
    for t, c, n, s in MOBILENET_V2_SETTINGS:
        for i in range(n):
            y = inverted_residual(m, y, f"features.{index}", cin, c, s if i == 0 else 1, t)
            cin, index = c, index + 1
    y = conv_bn_relu6(m, y, f"features.{index}", cin, 1280, 1)
    y = brew.average_pool(m, y, "avgpool", global_pooling=True)
    return brew.fc(m, y, "classifier.1", 1280, 1000)


BUILDERS: Dict[str, Callable[[Any, str], str]] = {
    "tinycnn": tinycnn,
    "alexnet": alexnet,
    "squeezenet1_0": squeezenet("1_0"),
    "squeezenet1_1": squeezenet("1_1"),
    "resnet50": resnet50,
    "mobilenet_v2": mobilenet_v2,
}
