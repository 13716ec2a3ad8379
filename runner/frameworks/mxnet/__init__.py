"""MXNet: its record, its adapter, its builders (symbol + params, ONNX) and its native Gluon definitions."""
