"""The git edge: driver contract, install, solve, review, replay."""
