"""Security mechanisms shared by the web app: counters, login throttling, headers, proxies, input limits."""
