"""Candidate resolutions ranked by test runs."""
