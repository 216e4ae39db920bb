"""The Designer's HTTP routes, one module per resource."""
