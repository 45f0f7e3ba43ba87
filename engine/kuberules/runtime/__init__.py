"""What compiled rules run on: CEL values and their operations, and frames."""
