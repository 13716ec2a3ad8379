"""Caffe2: its record, its adapter, its builder (init/predict nets) and its native brew definitions."""
