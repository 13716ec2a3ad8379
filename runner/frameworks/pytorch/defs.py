"""Native PyTorch definitions of the benchmark models (imported only from the PyTorch adapter).

The CNNs match torchvision's architectures and ``state_dict`` key names exactly, so the canonical weights
file (an ``.npz`` keyed by these names) is what torchvision would save. Layouts, for the Keras and Gluon
definitions that load the same file:

- ``Conv2d.weight``: (out, in / groups, kh, kw) (OIHW); ``Conv2d.bias``: (out,)
- ``Linear.weight``: (out, in); ``Linear.bias``: (out,)
- ``BatchNorm2d``: ``weight`` (gamma), ``bias`` (beta), ``running_mean``, ``running_var`` (all (C,)),
  ``num_batches_tracked`` (int64 scalar, unused); eps 1e-5
- Flatten before a Linear is over (C, H, W) in NCHW order.

``bert_base`` lives in :mod:`runner.frameworks.pytorch.bert`.
"""

from __future__ import annotations

from typing import Callable, Dict, List, Optional

import torch
from torch import nn


class TinyCNN(nn.Module):
    """Input (N, 3, 32, 32) → logits (N, 10).

    Keys: ``features.0`` Conv 3→8 3x3 pad 1 (+bias), ReLU, MaxPool 2; ``features.3`` Conv 8→16 3x3 pad 1
    (+bias), ReLU, global average pool; ``classifier`` Linear 16→10.
    """

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d(1),
        )
        self.classifier = nn.Linear(16, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.features(x), 1))


class AlexNet(nn.Module):
    """torchvision ``alexnet``: input (N, 3, 224, 224) → logits (N, 1000).

    ``features.{0,3,6,8,10}`` Conv (+bias): 3→64 11x11 s4 p2, 64→192 5x5 p2, 192→384 3x3 p1,
    384→256 3x3 p1, 256→256 3x3 p1; ReLU after each; MaxPool 3 s2 at indices 2, 5, 12.
    Adaptive average pool to 6x6, flatten (256*6*6 = 9216, C-major), ``classifier.{1,4,6}`` Linear
    9216→4096, 4096→4096, 4096→1000 with ReLU after the first two (dropout at 0, 3 is a no-op).
    """

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        relu, pool = (lambda: nn.ReLU(inplace=True)), (lambda: nn.MaxPool2d(3, 2))
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, 11, stride=4, padding=2), relu(), pool(),
            nn.Conv2d(64, 192, 5, padding=2), relu(), pool(),
            nn.Conv2d(192, 384, 3, padding=1), relu(),
            nn.Conv2d(384, 256, 3, padding=1), relu(),
            nn.Conv2d(256, 256, 3, padding=1), relu(), pool(),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(), nn.Linear(256 * 6 * 6, 4096), relu(),
            nn.Dropout(), nn.Linear(4096, 4096), relu(),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


class Fire(nn.Module):
    """SqueezeNet fire module: ``squeeze`` 1x1, then concat(``expand1x1`` 1x1, ``expand3x3`` 3x3 p1) on
    channels (1x1 first); every conv has a bias and is followed by ReLU."""

    def __init__(self, inplanes: int, squeeze: int, expand1x1: int, expand3x3: int) -> None:
        super().__init__()
        self.squeeze = nn.Conv2d(inplanes, squeeze, 1)
        self.squeeze_activation = nn.ReLU(inplace=True)
        self.expand1x1 = nn.Conv2d(squeeze, expand1x1, 1)
        self.expand1x1_activation = nn.ReLU(inplace=True)
        self.expand3x3 = nn.Conv2d(squeeze, expand3x3, 3, padding=1)
        self.expand3x3_activation = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.squeeze_activation(self.squeeze(x))
        return torch.cat([self.expand1x1_activation(self.expand1x1(x)),
                          self.expand3x3_activation(self.expand3x3(x))], 1)


class SqueezeNet(nn.Module):
    """torchvision ``squeezenet1_0`` / ``squeezenet1_1``: input (N, 3, 224, 224) → logits (N, 1000).

    1.0: ``features.0`` Conv 3→96 7x7 s2, ReLU, MaxPool 3 s2 (ceil), Fire at 3, 4, 5, MaxPool (6),
    Fire at 7, 8, 9, 10, MaxPool (11), Fire at 12.
    1.1: ``features.0`` Conv 3→64 3x3 s2, ReLU, MaxPool (2), Fire at 3, 4, MaxPool (5), Fire at 6, 7,
    MaxPool (8), Fire at 9, 10, 11, 12. All max pools are 3x3 stride 2 with ceil_mode (no padding).
    ``classifier.1`` Conv 512→1000 1x1 (+bias), ReLU, global average pool, flatten.
    """

    def __init__(self, version: str = "1_0", num_classes: int = 1000) -> None:
        super().__init__()
        self.features = nn.Sequential(*_squeeze_layers(version))
        self.classifier = nn.Sequential(
            nn.Dropout(p=0.5), nn.Conv2d(512, num_classes, 1), nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d(1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.flatten(self.classifier(self.features(x)), 1)


def _squeeze_layers(version: str) -> List[nn.Module]:
    def pool() -> nn.Module:
        return nn.MaxPool2d(3, 2, ceil_mode=True)

    if version == "1_0":
        return [nn.Conv2d(3, 96, 7, stride=2), nn.ReLU(inplace=True), pool(),
                Fire(96, 16, 64, 64), Fire(128, 16, 64, 64), Fire(128, 32, 128, 128), pool(),
                Fire(256, 32, 128, 128), Fire(256, 48, 192, 192), Fire(384, 48, 192, 192),
                Fire(384, 64, 256, 256), pool(), Fire(512, 64, 256, 256)]
    return [nn.Conv2d(3, 64, 3, stride=2), nn.ReLU(inplace=True), pool(),
            Fire(64, 16, 64, 64), Fire(128, 16, 64, 64), pool(),
            Fire(128, 32, 128, 128), Fire(256, 32, 128, 128), pool(),
            Fire(256, 48, 192, 192), Fire(384, 48, 192, 192), Fire(384, 64, 256, 256),
            Fire(512, 64, 256, 256)]


class Bottleneck(nn.Module):
    """ResNet v1.5 bottleneck: ``conv1`` 1x1, ``bn1``, ReLU, ``conv2`` 3x3 (stride here) p1, ``bn2``, ReLU,
    ``conv3`` 1x1 to 4x planes, ``bn3``; plus the shortcut (``downsample.0`` 1x1 conv with the stride,
    ``downsample.1`` BN, where the shape changes), then ReLU. Convs have no bias."""

    def __init__(self, inplanes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        out = planes * 4
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, out, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = _shortcut(inplanes, out, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        if self.downsample is not None:
            identity = self.downsample(x)
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.relu(self.bn2(self.conv2(y)))
        return self.relu(self.bn3(self.conv3(y)) + identity)


def _shortcut(inplanes: int, out: int, stride: int) -> Optional[nn.Module]:
    if stride == 1 and inplanes == out:
        return None
    return nn.Sequential(nn.Conv2d(inplanes, out, 1, stride=stride, bias=False), nn.BatchNorm2d(out))


class ResNet50(nn.Module):
    """torchvision ``resnet50``: input (N, 3, 224, 224) → logits (N, 1000).

    ``conv1`` 7x7 s2 p3 3→64 (no bias), ``bn1``, ReLU, MaxPool 3 s2 p1; ``layer1``..``layer4`` of 3, 4, 6, 3
    :class:`Bottleneck` blocks (planes 64, 128, 256, 512; stride 2 in the first block of layers 2-4);
    global average pool, ``fc`` Linear 2048→1000.
    """

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, padding=1)
        inplanes, layers = 64, []
        for planes, blocks, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
            layers.append(nn.Sequential(*[Bottleneck(inplanes if i == 0 else planes * 4, planes,
                                                     stride if i == 0 else 1) for i in range(blocks)]))
            inplanes = planes * 4
        self.layer1, self.layer2, self.layer3, self.layer4 = layers
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(2048, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def conv_bn_relu6(inp: int, out: int, kernel: int = 3, stride: int = 1, groups: int = 1) -> nn.Sequential:
    """torchvision ``Conv2dNormActivation``: ``.0`` Conv (no bias, padding (k-1)//2), ``.1`` BN, ReLU6."""
    return nn.Sequential(nn.Conv2d(inp, out, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False),
                         nn.BatchNorm2d(out), nn.ReLU6(inplace=True))


class InvertedResidual(nn.Module):
    """MobileNetV2 block in ``conv``: [expand ``conv_bn_relu6`` 1x1 when t != 1], depthwise
    ``conv_bn_relu6`` 3x3 (groups = channels, the stride here), projection Conv 1x1 (no bias), BN.
    With t == 1 the keys are ``conv.0`` (dw), ``conv.1`` (proj), ``conv.2`` (BN); else ``conv.0`` (expand),
    ``conv.1`` (dw), ``conv.2``, ``conv.3``. Residual add when stride 1 and in == out."""

    def __init__(self, inp: int, out: int, stride: int, expand: int) -> None:
        super().__init__()
        hidden = inp * expand
        self.use_res_connect = stride == 1 and inp == out
        layers: List[nn.Module] = [conv_bn_relu6(inp, hidden, 1)] if expand != 1 else []
        layers += [conv_bn_relu6(hidden, hidden, 3, stride, groups=hidden),
                   nn.Conv2d(hidden, out, 1, bias=False), nn.BatchNorm2d(out)]
        self.conv = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


#: (expansion t, output channels c, repeats n, first stride s), torchvision's table.
MOBILENET_V2_SETTINGS = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                         (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1))


class MobileNetV2(nn.Module):
    """torchvision ``mobilenet_v2`` (width 1.0): input (N, 3, 224, 224) → logits (N, 1000).

    ``features.0`` ``conv_bn_relu6`` 3→32 3x3 s2; ``features.1``..``features.17`` :class:`InvertedResidual`
    per :data:`MOBILENET_V2_SETTINGS`; ``features.18`` ``conv_bn_relu6`` 320→1280 1x1; global average pool,
    ``classifier.1`` Linear 1280→1000 (dropout at 0). BN eps 1e-5.
    """

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        layers: List[nn.Module] = [conv_bn_relu6(3, 32, 3, 2)]
        inp = 32
        for t, c, n, s in MOBILENET_V2_SETTINGS:
            for i in range(n):
                layers.append(InvertedResidual(inp, c, s if i == 0 else 1, t))
                inp = c
        layers.append(conv_bn_relu6(inp, 1280, 1))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Dropout(p=0.2), nn.Linear(1280, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = nn.functional.adaptive_avg_pool2d(self.features(x), 1)
        return self.classifier(torch.flatten(x, 1))


def _bert() -> nn.Module:
    from runner.frameworks.pytorch.bert import BertModel

    return BertModel()


BUILDERS: Dict[str, Callable[[], nn.Module]] = {
    "tinycnn": TinyCNN,
    "alexnet": AlexNet,
    "squeezenet1_0": lambda: SqueezeNet("1_0"),
    "squeezenet1_1": lambda: SqueezeNet("1_1"),
    "resnet50": ResNet50,
    "mobilenet_v2": MobileNetV2,
    "bert_base": _bert,
}


def build(name: str) -> nn.Module:
    """The model ``name`` with PyTorch's default initialisation, in eval mode."""
    if name not in BUILDERS:
        raise KeyError(f"no PyTorch definition for model {name!r}; known: {', '.join(BUILDERS)}")
    return BUILDERS[name]().eval()
