"""TensorFlow: its record, its adapter, its builders (SavedModel, .tflite, ONNX) and its native Keras definitions."""
