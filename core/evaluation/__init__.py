"""Evaluation: retrieval and clustering metrics (`metrics`), and scoring a library's models (`library`)."""
