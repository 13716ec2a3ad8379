"""PyTorch: its record, its adapter, its builders (weights, references, TorchScript, ONNX) and its native definitions."""
