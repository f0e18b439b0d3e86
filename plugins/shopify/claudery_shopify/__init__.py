"""Shopify platform plugin for Claudery Hub (the plugin itself arrives with issue 11; today: the demo store)."""
