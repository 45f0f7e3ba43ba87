"""From rule text to the typed AST: grammar loading, parsing, diagnostics."""
