"""Merge stage: combine both sides' changes into one tree, or fall back to lines."""
