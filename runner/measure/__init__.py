"""Measurement primitives (worker side, standard library only): clock, stopping rule, statistics, memory."""
