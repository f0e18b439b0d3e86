"""A plugin module that fails at import, as a broken third-party plugin would."""

raise RuntimeError("this plugin is broken on purpose")
