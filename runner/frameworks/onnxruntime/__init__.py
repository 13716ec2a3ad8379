"""ONNX Runtime: its record and its adapter (artifacts come from the source frameworks' ONNX builders)."""
