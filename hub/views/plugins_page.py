"""The installed plugins, loaded or failed: for operators (admin role) only."""

from flask import Blueprint, render_template

from hub.plugins import current_host
from hub.security.roles import admin_required

bp = Blueprint("plugins_page", __name__)


@bp.route("/plugins")
@admin_required
def index():
    """List every plugin with its state."""
    host = current_host()
    return render_template("plugins.html", statuses=host.statuses())
