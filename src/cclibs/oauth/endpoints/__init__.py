"""Endpoints: each an ordered pipeline of named checks over plain request values."""
