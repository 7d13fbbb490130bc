"""matching stage/edge (see docs/architecture.md)."""
