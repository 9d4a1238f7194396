"""Export: vectors, maps and clusters as npz, CSV, Parquet, projector TSV and M3U."""
