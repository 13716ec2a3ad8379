"""A bare timing loop without the harness: the baseline for ``harness_overhead.py``.

    python bare_loop.py FRAMEWORK ARTIFACT_DIR MODEL BATCH THREADS SECONDS

Loads the same artifact edgebench measures, then times the framework's call in a plain loop with
``perf_counter_ns`` and prints the median latency in seconds as JSON on stdout.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def torch_step(artifact: Path, feed, threads: int):
    import torch

    torch.set_num_threads(threads)
    model = torch.jit.load(str(artifact / "model.pt")).eval()
    tensors = [torch.from_numpy(v) for v in feed.values()]

    def step():
        with torch.inference_mode():
            model(*tensors)

    return step


def ort_step(artifact: Path, feed, threads: int):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(str(artifact / "model.onnx"), opts, providers=["CPUExecutionProvider"])
    return lambda: sess.run(None, feed)


def main() -> None:
    framework, artifact, model, batch, threads, seconds = sys.argv[1:7]
    from runner.models import inputs, spec

    feed = inputs.make_inputs(spec.get(model), int(batch))
    step = {"pytorch": torch_step, "onnxruntime": ort_step}[framework](Path(artifact), feed, int(threads))
    for _ in range(20):
        step()
    lat = []
    end = time.perf_counter() + float(seconds)
    while time.perf_counter() < end:
        t0 = time.perf_counter_ns()
        step()
        lat.append(time.perf_counter_ns() - t0)
    lat.sort()
    print(json.dumps({"p50_s": lat[len(lat) // 2] / 1e9, "iterations": len(lat)}))


if __name__ == "__main__":
    main()
