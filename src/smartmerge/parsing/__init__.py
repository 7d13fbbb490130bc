"""parsing stage/edge (see docs/architecture.md)."""
