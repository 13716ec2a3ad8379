"""TensorFlow Lite (LiteRT): its record and its adapter (the .tflite artifact is built by TensorFlow)."""
