"""Roles: merchants see their own sites; operators (``User.is_admin``) also run the hub."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def admin_required(view: Callable) -> Callable:
    """Log-in required, then 404 for a merchant (as for anything else they may not see)."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not getattr(current_user, "is_admin", False):
            abort(404)
        return view(*args, **kwargs)

    return wrapped
