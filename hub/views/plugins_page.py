"""The installed plugins, loaded or failed (for merchants' support requests and operators)."""

from flask import Blueprint, render_template
from flask_login import login_required

from hub.plugins import current_host

bp = Blueprint("plugins_page", __name__)


@bp.route("/plugins")
@login_required
def index():
    """List every plugin with its state."""
    host = current_host()
    return render_template("plugins.html", statuses=host.statuses())
