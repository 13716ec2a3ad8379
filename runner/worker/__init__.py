"""The process boundary: ``spawn`` (parent side), ``main`` (child side), ``protocol`` (what crosses)."""
