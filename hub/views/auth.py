"""Sign up, log in, log out.

Log-in is throttled per account and per client (``hub.security.login_throttle``), an unknown email costs
the same time as a wrong password (a dummy hash), and log-out ends the session server-side: the session
names the user's ``session_version``, which log-out bumps, so a copied cookie stops working.

Sign-up says when an email already has an account. That tells a visitor the email is registered; the hub
accepts it on purpose: a neutral answer needs an email round trip before every first log-in, and the hint
is rate limited (each such attempt counts as a failure of the client), so it cannot be used in bulk.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from hub.extensions import db, login_manager
from hub.forms import LoginForm, SignupForm
from hub.models import User
from hub.ops import metrics
from hub.security import passwords
from hub.security.limits import MAX_ID
from hub.security.login_throttle import current_throttle
from hub.security.redirects import safe_next

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Flask-Login's loader: ``"<id>.<session version>"``; an older version (logged out) loads nobody."""
    user_id, _, version = session_id.partition(".")
    if not (user_id.isdigit() and version.isdigit()) or int(user_id) > MAX_ID:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or (user.session_version or 0) != int(version):
        return None
    return user


def create_user(email: str, password: str, *, admin: bool = False, check_strength: bool = True) -> User:
    """Create an account; raises ValueError when the email is taken or the password weak.

    ``check_strength=False`` only for the quick start's local demo account.
    """
    email = User.normalize_email(email)
    if "@" not in email or len(email) > 254:
        raise ValueError("That is not an email address.")
    if check_strength:
        passwords.check_policy(password, [email, email.split("@")[0]])
    elif len(password) < passwords.MIN_LENGTH:
        raise passwords.WeakPassword(f"The password must have at least {passwords.MIN_LENGTH} characters.")
    if db.session.scalar(select(User).where(User.email == email)):
        raise ValueError("An account with this email already exists. Log in instead.")
    user = User(email=email, is_admin=admin)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def _client() -> str:
    return request.remote_addr or "-"


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    """Create an account and log in."""
    if current_user.is_authenticated:
        return redirect(url_for("sites.index"))
    form = SignupForm()
    if form.validate_on_submit():
        throttle = current_throttle()
        lock = throttle.check(None, _client())
        if lock is not None:
            form.email.errors.append(lock.message)
            return render_template("auth/signup.html", form=form), 429
        try:
            user = create_user(form.email.data, form.password.data)
        except passwords.WeakPassword as exc:
            form.password.errors.append(str(exc))
        except passwords.HashingBusy as exc:
            form.password.errors.append(str(exc))
            return render_template("auth/signup.html", form=form), 503
        except ValueError as exc:
            throttle.failed(None, _client())  # probing for registered emails is throttled like guessing
            form.email.errors.append(str(exc))
        else:
            login_user(user)
            flash("Welcome! Create your first site to connect your store.", "success")
            return redirect(url_for("sites.new"))
    return render_template("auth/signup.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("sites.index"))
    form = LoginForm()
    if form.validate_on_submit():
        email = User.normalize_email(form.email.data)
        throttle = current_throttle()
        lock = throttle.check(email, _client())
        if lock is not None:
            metrics.login_failed("throttled")
            form.password.errors.append(lock.message)
            resp = render_template("auth/login.html", form=form), 429, {"Retry-After": str(lock.retry_after)}
            return resp
        user = db.session.scalar(select(User).where(User.email == email))
        try:
            ok = (
                user.check_password(form.password.data)
                if user is not None
                else passwords.verify_unknown(form.password.data)
            )
        except passwords.HashingBusy as exc:
            metrics.login_failed("busy")
            form.password.errors.append(str(exc))
            return render_template("auth/login.html", form=form), 503, {"Retry-After": "5"}
        if ok:
            db.session.commit()  # keeps a transparent rehash
            login_user(user)
            return redirect(safe_next(request.args.get("next"), url_for("sites.index")))
        throttle.failed(email, _client())
        metrics.login_failed("wrong_password")
        form.password.errors.append("Wrong email or password.")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log out (POST, so a link on another site cannot log a merchant out) and end the session everywhere."""
    current_user.end_sessions()
    db.session.commit()
    logout_user()
    return redirect(url_for("auth.login"))
