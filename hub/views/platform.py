"""A site's Platform settings: pick the platform, enter credentials, test, save.

Works without JavaScript: changing the dropdown submits the form with ``action=choose`` (a small
static script does it on change; without it, the "Show fields" button does) and the page re-renders
with the chosen platform's fields.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from hub import credentials as creds
from hub.connection import record, test_credentials
from hub.contract import ConnectionResult
from hub.encryption import SecretsError
from hub.extensions import db
from hub.forms import credentials_form
from hub.models import Site
from hub.plugins import PluginHost, current_host
from hub.views.sites import own_site

bp = Blueprint("platform", __name__)
ACTIONS = ("choose", "test", "save")


def _selected_platform(host: PluginHost, site: Site) -> str | None:
    wanted = request.form.get("platform") if request.method == "POST" else request.args.get("platform")
    for candidate in (wanted, site.platform):
        if candidate and host.has_platform(candidate):
            return candidate
    platforms = host.platforms()
    return platforms[0].key if len(platforms) == 1 else None


def _submitted(form, specs: list[creds.FieldSpec]) -> dict[str, str]:
    return {spec.name: form[f"cred_{spec.name}"].data or "" for spec in specs}


@bp.route("/sites/<int:site_id>/platform", methods=["GET", "POST"])
@login_required
def settings(site_id: int):
    """Show and handle the platform settings form."""
    site = own_site(site_id)
    host = current_host()
    platform = _selected_platform(host, site)
    specs = creds.field_specs(host, platform) if platform else []
    choices = [("", "Choose a platform…")] if platform is None else []
    choices += [(p.key, p.display_name) for p in host.platforms()]
    form_cls = credentials_form(choices, specs)
    result: ConnectionResult | None = None

    try:
        stored_values = creds.form_values(host, site, platform) if platform else {}
    except SecretsError as exc:
        stored_values = {}
        flash(str(exc), "error")

    initial = {"platform": platform or "", **{f"cred_{k}": v for k, v in stored_values.items()}}
    if request.method == "GET":
        form = form_cls(data=initial)
    else:
        form = form_cls()
        action = request.form.get("action", "choose")
        if action not in ACTIONS:
            abort(400, "Unknown action.")
        if not form.validate_on_submit():
            if form.csrf_token.errors:
                abort(400, "The form expired; reload the page and try again.")
        elif action == "choose" or platform is None:
            # A new platform starts from its stored values (if it is the site's) and empty fields.
            form = form_cls(formdata=None, data=initial)
        else:
            response, result = _test_or_save(host, site, platform, form, specs, action)
            if response is not None:
                return response
        # Secrets typed in this request are never echoed back: the input shows the mask if a value
        # is stored, else stays empty.
    secret_values = {spec.name: stored_values.get(spec.name, "") for spec in specs if spec.secret}
    return render_template(
        "sites/platform.html",
        site=site,
        form=form,
        specs=specs,
        platform=host.platform(platform) if platform else None,
        result=result,
        secret_values=secret_values,
        mask=creds.MASK,
    )


def _test_or_save(
    host: PluginHost, site: Site, platform: str, form, specs, action: str
) -> tuple[Response | None, ConnectionResult | None]:
    """Normalize, then test the unsaved input (its result), or save and test (a redirect)."""
    try:
        submitted = creds.unmask(host, platform, _submitted(form, specs), site)
        cleaned = creds.normalize(host, platform, submitted)
    except creds.CredentialsInvalid as exc:
        for name, messages in exc.errors.items():
            field = form._fields.get(f"cred_{name}")
            (field.errors if field is not None else form.platform.errors).extend(messages)
        return None, None
    except SecretsError as exc:
        flash(str(exc), "error")
        return None, None
    if action == "test":
        return None, test_credentials(host, platform, cleaned)
    creds.save(host, site, platform, cleaned)
    record(site, test_credentials(host, platform, cleaned))
    db.session.commit()
    if site.last_test_ok:
        flash("Saved. The connection works.", "success")
    else:
        flash("Saved, but the connection test failed: see below for what to fix.", "error")
    return redirect(url_for("platform.settings", site_id=site.id)), None
