"""Graph programs: the small Python subset that describes a graph, compiled to data."""
