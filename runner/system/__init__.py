"""Host facts recorded with every run, and checks that warn before a run."""
