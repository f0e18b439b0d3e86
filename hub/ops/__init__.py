"""Operating the hub: health checks, Prometheus metrics, the operators' pages."""
