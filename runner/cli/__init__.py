"""The command line: thin Typer commands over the library; ``errors`` is where exceptions become exit codes."""
