"""LiteRT (TensorFlow Lite): its record and its adapter (its sources build the .tflite artifact)."""
