"""PyTorch: its record, adapter, builders (weights, references, TorchScript, ONNX) and native definitions."""
