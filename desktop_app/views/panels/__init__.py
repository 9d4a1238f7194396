"""Docked panels: controls, details, neighbours, legend, job bar."""
