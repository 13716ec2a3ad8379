"""OpenVINO: its record, its adapter, and its build jobs (IRs saved, compressed to f16 or quantized to int8
with NNCF, from the ONNX graph a source framework exported)."""
