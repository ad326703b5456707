"""Deployment profiles beyond `make run`: the scale-out profile (deploy/scaled.py)."""
