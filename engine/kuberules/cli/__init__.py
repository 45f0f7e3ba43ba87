"""The `kuberules` command line: one module per command."""
