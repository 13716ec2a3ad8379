"""Reports over one or many runs: terminal tables, Markdown/HTML, plots, findings verdicts, comparisons."""
