"""Ports of Kubernetes apimachinery value types (quantities, label selectors, names)."""
