"""The embed job (one vector per sound, cached per sound and model) and its report."""
