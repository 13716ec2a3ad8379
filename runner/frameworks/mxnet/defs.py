"""MXNet Gluon definitions of the benchmark models (NCHW), loading the canonical weights.

AlexNet and SqueezeNet 1.0/1.1 come from Gluon's model zoo, whose layers (kernel sizes, strides, padding,
ceil-mode max pools, NCHW flatten) and parameter order match torchvision's. ResNet-50 and MobileNetV2 are
defined here: the zoo's ``resnet50_v1`` puts the stride in the first 1x1 convolution (torchvision uses v1.5,
stride in the 3x3), and its ``mobilenetv2_1.0`` has an extra expansion convolution in the first block and a
bias-free 1x1 convolution as classifier. TinyCNN is defined here; BERT lives in
:mod:`runner.frameworks.mxnet.bert`. Gluon and the canonical weights share layouts (OIHW, Linear (out, in)),
so weights are copied as they are. Imported only from the MXNet adapter (it imports MXNet at the top).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Tuple

import mxnet as mx
import numpy as np
from mxnet.gluon import HybridBlock, nn

from runner.models.weights import read_npz

BN_EPS = 1e-5

#: Gluon parameter attribute -> canonical key suffix, per kind of layer.
PARAMS: Dict[str, Tuple[Tuple[str, str], ...]] = {
    "conv": (("weight", "weight"), ("bias", "bias")),
    "dense": (("weight", "weight"), ("bias", "bias")),
    "bn": (("gamma", "weight"), ("beta", "bias"), ("running_mean", "running_mean"),
           ("running_var", "running_var")),
    "layernorm": (("gamma", "weight"), ("beta", "bias")),
    "embedding": (("weight", "weight"),),
}


class Registry:
    """Creates Gluon layers and remembers which canonical prefix each one takes its weights from."""

    def __init__(self) -> None:
        self.slots: List[Tuple[str, Any, str]] = []

    def add(self, prefix: str, block: Any, kind: str) -> Any:
        self.slots.append((prefix, block, kind))
        return block

    def conv(self, prefix: str, channels: int, kernel: int, stride: int = 1, pad: int = 0,
             bias: bool = True, groups: int = 1) -> Any:
        block = nn.Conv2D(channels, kernel, stride, pad, groups=groups, use_bias=bias)
        return self.add(prefix, block, "conv")

    def bn(self, prefix: str) -> Any:
        return self.add(prefix, nn.BatchNorm(epsilon=BN_EPS), "bn")

    def dense(self, prefix: str, units: int, flatten: bool = True) -> Any:
        return self.add(prefix, nn.Dense(units, flatten=flatten), "dense")


def load(slots: List[Tuple[str, Any, str]], weights: Dict[str, np.ndarray]) -> None:
    """Copy every array into its Gluon parameter (shapes checked); every array must be used."""
    used = set()
    for prefix, block, kind in slots:
        for attr, suffix in PARAMS[kind]:
            param = getattr(block, attr, None)
            if param is None:
                continue
            key = f"{prefix}.{suffix}"
            if tuple(param.shape) != weights[key].shape:
                raise ValueError(f"{key}: Gluon shape {param.shape} != {weights[key].shape}")
            param.set_data(mx.nd.array(weights[key], dtype="float32"))
            used.add(key)
    missing = sorted(set(weights) - used)
    if missing:
        raise ValueError(f"weights not loaded into the Gluon model: {missing[:5]} ({len(missing)} in all)")


def _leaves(block: Any) -> List[Any]:
    """Conv2D and Dense layers of a Gluon block in registration order."""
    out = []
    for child in block._children.values():
        out += [child] if isinstance(child, (nn.Conv2D, nn.Dense)) else _leaves(child)
    return out


def _zoo_prefixes(model: str) -> List[str]:
    """torchvision prefixes of AlexNet / SqueezeNet's weighted layers, in definition order."""
    if model == "alexnet":
        return [f"features.{i}" for i in (0, 3, 6, 8, 10)] + [f"classifier.{i}" for i in (1, 4, 6)]
    fires = (3, 4, 5, 7, 8, 9, 10, 12) if model == "squeezenet1_0" else (3, 4, 6, 7, 9, 10, 11, 12)
    inner = [f"features.{i}.{n}" for i in fires for n in ("squeeze", "expand1x1", "expand3x3")]
    return ["features.0"] + inner + ["classifier.1"]


class ConvBN(HybridBlock):
    """``prefix.0`` Conv (no bias) + ``prefix.1`` BN (or explicit BN prefix), then ReLU / ReLU6 / nothing."""

    def __init__(self, reg: Registry, conv: str, bn: str, channels: int, kernel: int, stride: int = 1,
                 groups: int = 1, act: str = "relu") -> None:
        super().__init__()
        self.conv = reg.conv(conv, channels, kernel, stride, (kernel - 1) // 2, bias=False, groups=groups)
        self.bn = reg.bn(bn)
        self.act = act

    def hybrid_forward(self, F: Any, x: Any) -> Any:
        x = self.bn(self.conv(x))
        if self.act == "relu6":
            return F.clip(x, 0.0, 6.0)
        return F.relu(x) if self.act == "relu" else x


def _gap(F: Any, x: Any) -> Any:
    return F.Pooling(x, kernel=(1, 1), global_pool=True, pool_type="avg")


class TinyCNN(HybridBlock):
    """conv 3->8 p1, ReLU, max pool 2, conv 8->16 p1, ReLU, global average, ``classifier`` 16->10."""

    def __init__(self, reg: Registry) -> None:
        super().__init__()
        self.c0 = reg.conv("features.0", 8, 3, 1, 1)
        self.c3 = reg.conv("features.3", 16, 3, 1, 1)
        self.fc = reg.dense("classifier", 10)

    def hybrid_forward(self, F: Any, x: Any) -> Any:
        x = F.Pooling(F.relu(self.c0(x)), kernel=(2, 2), stride=(2, 2), pool_type="max")
        return self.fc(_gap(F, F.relu(self.c3(x))))


class Bottleneck(HybridBlock):
    """ResNet v1.5 bottleneck (stride in the 3x3), shortcut projection where the shape changes."""

    def __init__(self, reg: Registry, p: str, width: int, stride: int, down: bool) -> None:
        super().__init__()
        self.body = nn.HybridSequential()
        self.body.add(ConvBN(reg, p + ".conv1", p + ".bn1", width, 1),
                      ConvBN(reg, p + ".conv2", p + ".bn2", width, 3, stride),
                      ConvBN(reg, p + ".conv3", p + ".bn3", width * 4, 1, act=""))
        self.down = ConvBN(reg, p + ".downsample.0", p + ".downsample.1", width * 4, 1, stride, act="") \
            if down else None

    def hybrid_forward(self, F: Any, x: Any) -> Any:
        return F.relu(self.body(x) + (self.down(x) if self.down is not None else x))


class ResNet50(HybridBlock):
    """torchvision ResNet-50: stem, max pool 3 s2 p1, 3-4-6-3 bottlenecks, global average, ``fc``."""

    def __init__(self, reg: Registry) -> None:
        super().__init__()
        self.stem = ConvBN(reg, "conv1", "bn1", 64, 7, 2)
        self.layers = nn.HybridSequential()
        for i, (blocks, width) in enumerate(((3, 64), (4, 128), (6, 256), (3, 512))):
            for b in range(blocks):
                stride = 2 if (b == 0 and i > 0) else 1
                self.layers.add(Bottleneck(reg, f"layer{i + 1}.{b}", width, stride, b == 0))
        self.fc = reg.dense("fc", 1000)

    def hybrid_forward(self, F: Any, x: Any) -> Any:
        x = F.Pooling(self.stem(x), kernel=(3, 3), stride=(2, 2), pad=(1, 1), pool_type="max")
        return self.fc(_gap(F, self.layers(x)))


class InvertedResidual(HybridBlock):
    """MobileNetV2 block with torchvision's key names (``conv.0`` .. ``conv.3``)."""

    def __init__(self, reg: Registry, p: str, inp: int, out: int, stride: int, t: int) -> None:
        super().__init__()
        self.body, i = nn.HybridSequential(), 0
        if t != 1:
            self.body.add(ConvBN(reg, f"{p}.conv.0.0", f"{p}.conv.0.1", inp * t, 1, act="relu6"))
            i = 1
        self.body.add(ConvBN(reg, f"{p}.conv.{i}.0", f"{p}.conv.{i}.1", inp * t, 3, stride, inp * t, "relu6"),
                      ConvBN(reg, f"{p}.conv.{i + 1}", f"{p}.conv.{i + 2}", out, 1, act=""))
        self.residual = stride == 1 and inp == out

    def hybrid_forward(self, F: Any, x: Any) -> Any:
        return x + self.body(x) if self.residual else self.body(x)


MBV2 = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
        (6, 320, 1, 1))


class MobileNetV2(HybridBlock):
    """torchvision MobileNetV2 (width 1.0): ``features.0``..``features.18``, average, ``classifier.1``."""

    def __init__(self, reg: Registry) -> None:
        super().__init__()
        self.features = nn.HybridSequential()
        self.features.add(ConvBN(reg, "features.0.0", "features.0.1", 32, 3, 2, act="relu6"))
        inp, index = 32, 1
        for t, c, n, s in MBV2:
            for j in range(n):
                self.features.add(InvertedResidual(reg, f"features.{index}", inp, c, s if j == 0 else 1, t))
                inp, index = c, index + 1
        self.features.add(ConvBN(reg, "features.18.0", "features.18.1", 1280, 1, act="relu6"))
        self.fc = reg.dense("classifier.1", 1000)

    def hybrid_forward(self, F: Any, x: Any) -> Any:
        return self.fc(_gap(F, self.features(x)))


NETS = {"tinycnn": TinyCNN, "resnet50": ResNet50, "mobilenet_v2": MobileNetV2}


_ZOO = {"alexnet": "alexnet", "squeezenet1_0": "squeezenet1.0", "squeezenet1_1": "squeezenet1.1"}


def _zoo(model: str) -> Tuple[Any, List[Tuple[str, Any, str]]]:
    from mxnet.gluon.model_zoo import vision

    net = vision.get_model(_ZOO[model], pretrained=False)
    leaves = _leaves(net)
    prefixes = _zoo_prefixes(model)
    if len(leaves) != len(prefixes):
        raise ValueError(f"{model}: {len(leaves)} Gluon layers for {len(prefixes)} canonical layers")
    kinds = ["dense" if isinstance(b, nn.Dense) else "conv" for b in leaves]
    return net, list(zip(prefixes, leaves, kinds))


def build(model: str, weights: Path) -> Any:
    """The initialised Gluon network for ``model`` with the canonical weights (not yet hybridized)."""
    from runner.models.spec import get

    if model in _ZOO:
        net, slots = _zoo(model)
    elif model == "bert_base":
        from runner.frameworks.mxnet import bert as gluon_bert

        net, slots = gluon_bert.build()
    else:
        reg = Registry()
        net, slots = NETS[model](reg), reg.slots
    net.initialize(mx.init.Zero())
    dummy = [mx.nd.zeros((1,) + s.shape, dtype=s.dtype) for s in get(model).inputs]
    net(*dummy)  # resolve deferred shapes
    load(slots, read_npz(weights))
    return net
