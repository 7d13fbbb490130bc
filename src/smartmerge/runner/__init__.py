"""The parallel task runner (built on git/ and ranking/)."""
