"""A site's Platform settings: pick the platform, enter credentials, test, save.

Works without JavaScript: changing the dropdown submits the form with ``action=choose`` (a small
static script does it on change; without it, the "Show fields" button does) and the page re-renders
with the chosen platform's fields.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from hub import credentials as creds
from hub.connection import record, test_credentials
from hub.contract import ConnectionResult, ErrorKind
from hub.encryption import SecretsError
from hub.extensions import db
from hub.forms import credentials_form
from hub.models import Site
from hub.plugins import PluginHost, current_host
from hub.views.sites import own_site
from hub.webhooks import lifecycle

bp = Blueprint("platform", __name__)
ACTIONS = ("choose", "test", "save", "save_anyway")


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
    outcome: Outcome | None = None

    try:
        stored_values = creds.form_values(host, site, platform) if platform else {}
    except SecretsError as exc:
        stored_values = {}
        flash(str(exc), "error")

    initial = {"platform": platform or "", **{f"cred_{k}": v for k, v in stored_values.items()}}
    pending_token = ""
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
            response, outcome, pending_token = _test_or_save(host, site, platform, form, specs, action)
            if response is not None:
                return response
        # Secrets typed in this request are never echoed back: the input shows the mask when a value is
        # stored or was typed on this page (carried encrypted in ``pending``), else stays empty.
    pending = creds.open_pending(site, platform, pending_token) if platform else {}
    secret_values = {
        spec.name: creds.MASK if spec.name in pending else stored_values.get(spec.name, "")
        for spec in specs
        if spec.secret
    }
    return render_template(
        "sites/platform.html",
        site=site,
        form=form,
        specs=specs,
        platform=host.platform(platform) if platform else None,
        outcome=outcome,
        result=outcome.result if outcome else None,
        pending_token=pending_token,
        pending=pending,
        secret_values=secret_values,
        just_saved=request.method == "GET" and request.args.get("saved") == "1",
        can_sync="sync.start" in current_app.view_functions,
        mask=creds.MASK,
    )


@dataclass(frozen=True)
class Outcome:
    """What a test or a refused save tells the merchant."""

    result: ConnectionResult
    saved: bool = False
    #: set when a save was refused because the new credentials failed their test
    refused: str | None = None


REFUSALS = {
    ErrorKind.AUTH: "rejected",
    ErrorKind.SCOPE: "refused (missing permission)",
    ErrorKind.NOT_FOUND: "could not find the store for",
    ErrorKind.CONFIG: "could not use",
}


def refusal_message(
    platform_name: str, result: ConnectionResult, changed: list[str], had_working: bool
) -> str:
    """ "Not saved: BigCommerce rejected the new Access token — your previous credentials are still in use"."""
    verb = REFUSALS.get(result.error_kind, "did not accept") if result.error_kind else "did not accept"
    if result.error_kind in (ErrorKind.RATE_LIMITED, ErrorKind.UNAVAILABLE, ErrorKind.NETWORK):
        verb = "could not be reached to check"
    what = "the new " + " and ".join(changed) if changed else "these credentials"
    tail = (
        "your previous credentials are still in use."
        if had_working
        else "fix them and test again, or save them anyway."
    )
    if verb == "could not be reached to check":
        return f"Not saved: {platform_name} could not be reached to check {what} — {tail}"
    return f"Not saved: {platform_name} {verb} {what} — {tail}"


def _test_or_save(
    host: PluginHost, site: Site, platform: str, form, specs, action: str
) -> tuple[Response | None, Outcome | None, str]:
    """Normalize, then test the unsaved input, or save it when its test passes (or the merchant insists).

    Returns (a redirect after a save, or the outcome to show, and the sealed secrets typed so far).
    """
    pending = creds.open_pending(site, platform, request.form.get("pending"))
    try:
        submitted = creds.unmask(host, platform, _submitted(form, specs), site, pending)
    except SecretsError as exc:
        flash(str(exc), "error")
        return None, None, ""
    sealed = creds.seal_pending(host, site, platform, submitted)
    try:
        cleaned = creds.normalize(host, platform, submitted)
    except creds.CredentialsInvalid as exc:
        for name, messages in exc.errors.items():
            field = form._fields.get(f"cred_{name}")
            (field.errors if field is not None else form.platform.errors).extend(messages)
        return None, None, sealed
    sealed = creds.seal_pending(host, site, platform, cleaned)
    result = test_credentials(host, platform, cleaned)
    if action == "test":
        return None, Outcome(result), sealed
    if not result.ok and action != "save_anyway":
        # A typo must not replace credentials that work: keep them and say so, with a way to insist.
        had_working = site.platform == platform and site.connection_status == "connected"
        changed = creds.changed_fields(host, site, platform, cleaned)
        name = host.platform(platform).display_name
        return None, Outcome(result, refused=refusal_message(name, result, changed, had_working)), sealed
    creds.save(host, site, platform, cleaned)
    record(site, result)
    db.session.commit()
    lifecycle.after_connect(site)
    if site.last_test_ok:
        flash("Saved. The connection works.", "success")
        return redirect(url_for("platform.settings", site_id=site.id, saved=1)), None, ""
    flash("Saved anyway, but the connection test failed: see below for what to fix.", "error")
    return redirect(url_for("platform.settings", site_id=site.id)), None, ""
