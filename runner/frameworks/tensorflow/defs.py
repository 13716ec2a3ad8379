"""Native Keras (Keras 3, TensorFlow backend) definitions of the CNN models, NHWC, with canonical weights.

Each builder returns a Keras functional model taking an NHWC float32 image batch, and a list of :class:`Slot`
entries mapping a canonical weight prefix (the reference definitions' names) onto a named Keras layer.
``load`` fills the layers from the canonical ``.npz`` (the reference definitions' layouts) with the layout
conversions:

- convolution OIHW -> HWIO; depthwise (C, 1, kh, kw) -> (kh, kw, C, 1); Linear (out, in) -> (in, out);
- BatchNorm weight, bias, running_mean, running_var with epsilon 1e-5 (the reference definitions',
  not Keras').

The reference definitions pad symmetrically while Keras ``same`` pads stride-2 convolutions asymmetrically, so
every padded convolution is an explicit ``ZeroPadding2D`` followed by a ``valid`` convolution. Max pools with
``ceil_mode`` pad the bottom/right edge; they only follow ReLUs, so zero padding equals the reference's
"ignore the out-of-bounds part". AlexNet transposes to NCHW before flattening, as the reference definitions
flatten NCHW.
BERT lives in :mod:`runner.frameworks.tensorflow.bert`. Imports TensorFlow/Keras only inside functions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import numpy as np

from runner.models.weights import read_npz

BN_EPS = 1e-5


@dataclass(frozen=True)
class Slot:
    """One canonical parameter group (``prefix``) and the Keras layer (``layer``) it fills."""

    prefix: str
    layer: str
    kind: str  # conv | dwconv | dense | bn | layernorm | embedding


class Net:
    """Builds a functional graph while recording which canonical prefix each layer takes its weights from."""

    def __init__(self) -> None:
        import keras

        self.k = keras
        self.slots: List[Slot] = []

    def _name(self, prefix: str, kind: str) -> str:
        name = prefix.replace(".", "_")
        self.slots.append(Slot(prefix, name, kind))
        return name

    def conv(self, x: Any, prefix: str, filters: int, kernel: int, stride: int = 1, pad: int = 0,
             bias: bool = True, act: Any = None) -> Any:
        """A reference ``Conv2d(kernel, stride, padding=pad)``: explicit symmetric padding, then ``valid``."""
        if pad:
            x = self.k.layers.ZeroPadding2D(pad)(x)
        layer = self.k.layers.Conv2D(filters, kernel, stride, "valid", use_bias=bias, activation=act,
                                     name=self._name(prefix, "conv"))
        return layer(x)

    def dwconv(self, x: Any, prefix: str, kernel: int, stride: int, pad: int) -> Any:
        """A reference depthwise ``Conv2d(groups=C, bias=False)``."""
        x = self.k.layers.ZeroPadding2D(pad)(x)
        layer = self.k.layers.DepthwiseConv2D(kernel, stride, "valid", use_bias=False,
                                              name=self._name(prefix, "dwconv"))
        return layer(x)

    def bn(self, x: Any, prefix: str) -> Any:
        return self.k.layers.BatchNormalization(epsilon=BN_EPS, name=self._name(prefix, "bn"))(x)

    def dense(self, x: Any, prefix: str, units: int, act: Any = None) -> Any:
        return self.k.layers.Dense(units, activation=act, name=self._name(prefix, "dense"))(x)

    def relu(self, x: Any, cap: float = 0.0) -> Any:
        return self.k.layers.ReLU(max_value=cap or None)(x)

    def ceil_maxpool(self, x: Any, size: int = 3, stride: int = 2) -> Any:
        """``MaxPool2d(size, stride, ceil_mode=True)`` on non-negative input (after a ReLU)."""
        n = int(x.shape[1])
        out = math.ceil((n - size) / stride) + 1
        extra = (out - 1) * stride + size - n
        if extra > 0:
            x = self.k.layers.ZeroPadding2D(((0, extra), (0, extra)))(x)
        return self.k.layers.MaxPooling2D(size, stride, "valid")(x)


# ---- weight conversion ---------------------------------------------------------------------------

def _converted(slot: Slot, w: Dict[str, np.ndarray]) -> List[np.ndarray]:
    """The Keras weight list for one slot, from the canonical arrays under ``slot.prefix``."""
    p = slot.prefix + "."
    if slot.kind == "conv":
        out = [w[p + "weight"].transpose(2, 3, 1, 0)]
        return out + ([w[p + "bias"]] if p + "bias" in w else [])
    if slot.kind == "dwconv":
        return [w[p + "weight"].transpose(2, 3, 0, 1)]
    if slot.kind == "dense":
        return [w[p + "weight"].T, w[p + "bias"]]
    if slot.kind == "bn":
        return [w[p + "weight"], w[p + "bias"], w[p + "running_mean"], w[p + "running_var"]]
    if slot.kind == "layernorm":
        return [w[p + "weight"], w[p + "bias"]]
    if slot.kind == "embedding":
        return [w[p + "weight"]]
    raise ValueError(f"unknown slot kind {slot.kind!r}")


def load(model: Any, slots: List[Slot], weights: Path) -> None:
    """Fill ``model``'s layers from the canonical ``.npz``; every array must be used exactly once."""
    w = read_npz(weights)
    used = set()
    for slot in slots:
        arrays = _converted(slot, w)
        model.get_layer(slot.layer).set_weights([np.ascontiguousarray(a) for a in arrays])
        used.update(k for k in w if k.rsplit(".", 1)[0] == slot.prefix)
    missing = sorted(set(w) - used)
    if missing:
        raise ValueError(f"weights not loaded into the Keras model: {missing[:5]} ({len(missing)} in all)")


# ---- architectures -------------------------------------------------------------------------------

def _tinycnn(net: Net, x: Any) -> Any:
    """Mirror of the reference tiny CNN: conv 3->8, ReLU, max pool 2, conv 8->16, ReLU, average, linear."""
    x = net.k.layers.MaxPooling2D(2, 2)(net.conv(x, "features.0", 8, 3, 1, 1, act="relu"))
    x = net.conv(x, "features.3", 16, 3, 1, 1, act="relu")
    x = net.k.layers.GlobalAveragePooling2D()(x)
    return net.dense(x, "classifier", 10)


def _alexnet(net: Net, x: Any) -> Any:
    k = net.k.layers
    x = k.MaxPooling2D(3, 2)(net.conv(x, "features.0", 64, 11, 4, 2, act="relu"))
    x = k.MaxPooling2D(3, 2)(net.conv(x, "features.3", 192, 5, 1, 2, act="relu"))
    x = net.conv(x, "features.6", 384, 3, 1, 1, act="relu")
    x = net.conv(x, "features.8", 256, 3, 1, 1, act="relu")
    x = k.MaxPooling2D(3, 2)(net.conv(x, "features.10", 256, 3, 1, 1, act="relu"))
    n = int(x.shape[1])
    if n != 6:  # AdaptiveAvgPool2d((6, 6)); exact when the size is a multiple of 6
        if n % 6:
            raise ValueError(f"AlexNet adaptive pooling needs a multiple of 6, got {n}")
        x = k.AveragePooling2D(n // 6)(x)
    x = k.Flatten()(k.Permute((3, 1, 2))(x))  # flatten in NCHW order like the reference
    x = net.dense(x, "classifier.1", 4096, "relu")
    x = net.dense(x, "classifier.4", 4096, "relu")
    return net.dense(x, "classifier.6", 1000)


def _fire(net: Net, x: Any, prefix: str, squeeze: int, e1: int, e3: int) -> Any:
    s = net.conv(x, prefix + ".squeeze", squeeze, 1, act="relu")
    a = net.conv(s, prefix + ".expand1x1", e1, 1, act="relu")
    b = net.conv(s, prefix + ".expand3x3", e3, 3, 1, 1, act="relu")
    return net.k.layers.Concatenate(axis=-1)([a, b])


_FIRES = [(16, 64), (16, 64), (32, 128), (32, 128), (48, 192), (48, 192), (64, 256), (64, 256)]


def _squeezenet(net: Net, x: Any, version: str) -> Any:
    first, pools = ((96, 7), (6, 11)) if version == "1_0" else ((64, 3), (5, 8))  # max pool indices
    x = net.ceil_maxpool(net.conv(x, "features.0", first[0], first[1], 2, act="relu"))
    index = 3
    for squeeze, expand in _FIRES:
        if index in pools:
            x = net.ceil_maxpool(x)
            index += 1
        x = _fire(net, x, f"features.{index}", squeeze, expand, expand)
        index += 1
    x = net.conv(x, "classifier.1", 1000, 1, act="relu")
    return net.k.layers.GlobalAveragePooling2D()(x)


def _bottleneck(net: Net, x: Any, prefix: str, width: int, stride: int, down: bool) -> Any:
    y = net.relu(net.bn(net.conv(x, prefix + ".conv1", width, 1, bias=False), prefix + ".bn1"))
    y = net.relu(net.bn(net.conv(y, prefix + ".conv2", width, 3, stride, 1, bias=False), prefix + ".bn2"))
    y = net.bn(net.conv(y, prefix + ".conv3", width * 4, 1, bias=False), prefix + ".bn3")
    if down:
        x = net.bn(net.conv(x, prefix + ".downsample.0", width * 4, 1, stride, bias=False),
                   prefix + ".downsample.1")
    return net.relu(net.k.layers.Add()([x, y]))


def _resnet50(net: Net, x: Any) -> Any:
    x = net.relu(net.bn(net.conv(x, "conv1", 64, 7, 2, 3, bias=False), "bn1"))
    x = net.k.layers.MaxPooling2D(3, 2)(net.k.layers.ZeroPadding2D(1)(x))  # after ReLU: zero pad is exact
    for i, (blocks, width) in enumerate(((3, 64), (4, 128), (6, 256), (3, 512))):
        for b in range(blocks):
            stride = 2 if (b == 0 and i > 0) else 1
            x = _bottleneck(net, x, f"layer{i + 1}.{b}", width, stride, b == 0)
    x = net.k.layers.GlobalAveragePooling2D()(x)
    return net.dense(x, "fc", 1000)


_MBV2 = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
         (6, 320, 1, 1)]


def _inverted(net: Net, x: Any, prefix: str, inp: int, out: int, stride: int, t: int) -> Any:
    y, i = x, 0
    if t != 1:
        y = net.conv(y, f"{prefix}.conv.0.0", inp * t, 1, bias=False)
        y = net.relu(net.bn(y, f"{prefix}.conv.0.1"), 6)
        i = 1
    y = net.relu(net.bn(net.dwconv(y, f"{prefix}.conv.{i}.0", 3, stride, 1), f"{prefix}.conv.{i}.1"), 6)
    y = net.bn(net.conv(y, f"{prefix}.conv.{i + 1}", out, 1, bias=False), f"{prefix}.conv.{i + 2}")
    return net.k.layers.Add()([x, y]) if (stride == 1 and inp == out) else y


def _mobilenet_v2(net: Net, x: Any) -> Any:
    x = net.relu(net.bn(net.conv(x, "features.0.0", 32, 3, 2, 1, bias=False), "features.0.1"), 6)
    inp, index = 32, 1
    for t, c, n, s in _MBV2:
        for j in range(n):
            x = _inverted(net, x, f"features.{index}", inp, c, s if j == 0 else 1, t)
            inp, index = c, index + 1
    x = net.relu(net.bn(net.conv(x, "features.18.0", 1280, 1, bias=False), "features.18.1"), 6)
    x = net.k.layers.GlobalAveragePooling2D()(x)
    return net.dense(x, "classifier.1", 1000)


_CNNS: Dict[str, Callable[[Net, Any], Any]] = {
    "tinycnn": _tinycnn,
    "alexnet": _alexnet,
    "squeezenet1_0": lambda net, x: _squeezenet(net, x, "1_0"),
    "squeezenet1_1": lambda net, x: _squeezenet(net, x, "1_1"),
    "resnet50": _resnet50,
    "mobilenet_v2": _mobilenet_v2,
}


def build(model: str, weights: Path) -> Any:
    """The Keras model for ``model`` (NHWC images, or BERT's two int inputs) with canonical weights."""
    if model == "bert_base":
        from runner.frameworks.tensorflow import bert as keras_bert

        return keras_bert.build(weights)
    import keras

    from runner.models.spec import get

    c, h, w = get(model).inputs[0].shape
    net = Net()
    x = keras.Input(shape=(h, w, c), name="input", dtype="float32")
    m = keras.Model(x, _CNNS[model](net, x), name=model)
    load(m, net.slots, weights)
    return m


def input_shape_nhwc(model: str) -> Tuple[int, int, int]:
    """(H, W, C) of an image model's input."""
    from runner.models.spec import get

    c, h, w = get(model).inputs[0].shape
    return h, w, c
