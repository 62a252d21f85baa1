"""Reports: one typed results model, and one small module per output format."""
