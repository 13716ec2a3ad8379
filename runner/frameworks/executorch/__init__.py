"""ExecuTorch: its record, its adapter, and its build jobs (``.pte`` programs lowered to the XNNPACK delegate
from PyTorch's native definitions on the canonical weights, fp32 or int8)."""
