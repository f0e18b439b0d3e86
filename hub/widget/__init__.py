"""The Claudery widget: its settings and keys, the public API the storefront script calls, and search.

* ``hub.widget.settings`` - a site's widget settings, origins, and key lookup
* ``hub.widget.search`` - full-text product search (SQLite FTS5 / PostgreSQL tsvector, see migration 0003)
* ``hub.widget.ratelimit`` - per key and client limits, Redis-backed with an in-process fallback
* ``hub.widget.api`` - the public, GET-only, CORS-limited blueprint and the versioned script
* ``hub.widget.forms`` - the merchant's settings form
"""
