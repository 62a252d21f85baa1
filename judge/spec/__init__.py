"""Problem specs: YAML files parsed once, at the edge, into frozen typed objects."""
