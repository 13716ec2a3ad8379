"""edgebench: deep-learning inference benchmarks for edge devices.

The package splits at a process boundary (see DESIGN §3):

* orchestrator side (``runner.cli``, ``runner.config``, ``runner.plan``, ``runner.orchestrator``,
  ``runner.results``, ``runner.meters``, ``runner.report``) runs in the main environment;
* worker side (``runner.worker.main``, ``runner.frameworks``, ``runner.models``, ``runner.measure``)
  runs inside a framework's own interpreter, imports only the standard library, numpy and that one
  framework, and must stay compatible with Python 3.9.
"""

__version__ = "0.1.0"
