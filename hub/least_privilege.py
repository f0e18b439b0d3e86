"""Least privilege for platform tokens: the warning a connection test gives for too broad a token.

The convention (for plugins, see ``docs/least-privilege.md``): where the platform reports the scopes a
token holds, ``test_connection`` compares them with what the hub needs and, when the token can do more,
adds ``excess_scope_warning(...)`` to ``ConnectionResult.warnings``. The test still succeeds (the token
works); the merchant sees which scopes to drop and which read-only ones are enough. Platform-neutral:
scopes are plain strings.
"""

from __future__ import annotations

from collections.abc import Iterable

#: every such warning starts with this, so the hub (and tests) can tell it from other warnings
PREFIX = "This token can do more than Claudery needs"


def excess_scope_warning(granted: Iterable[str], needed: Iterable[str]) -> str | None:
    """A warning naming the scopes beyond ``needed`` and the read-only set to use instead; None if none.

    ``needed`` is the plugin's full list of scopes a sync and the connection test use (read-only ones).
    """
    granted_set = {s.strip() for s in granted if s and s.strip()}
    needed_list = sorted({s.strip() for s in needed if s and s.strip()})
    extra = sorted(granted_set - set(needed_list))
    if not extra:
        return None
    return (
        f"{PREFIX}: it also holds {', '.join(extra)}. A leaked token with these could change your store. "
        f"Create a token with only these read-only scopes instead: {', '.join(needed_list)}."
    )
