"""Framework-neutral model facts: specs (pure data) and seeded inputs.

Each framework's native definitions live in its own folder, ``runner/frameworks/<name>/``.
"""
