"""Dialogs: training, comparing models, files that could not be read."""
