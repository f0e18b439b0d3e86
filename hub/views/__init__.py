"""Web views, one blueprint per area."""
