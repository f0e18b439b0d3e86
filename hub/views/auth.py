"""Sign up, log in, log out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from hub.extensions import db, login_manager
from hub.forms import LoginForm, SignupForm
from hub.models import User

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Flask-Login's loader."""
    if not user_id.isdigit():
        return None
    return db.session.get(User, int(user_id))


def create_user(email: str, password: str) -> User:
    """Create an account; raises ValueError when the email is taken or the password too short."""
    from hub.models.user import MIN_PASSWORD_LENGTH

    email = User.normalize_email(email)
    if "@" not in email:
        raise ValueError("That is not an email address.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    if db.session.scalar(select(User).where(User.email == email)):
        raise ValueError("An account with this email already exists. Log in instead.")
    user = User(email=email)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def _safe_next(target: str | None) -> str:
    # Only same-site relative paths: an open redirect would help phishing.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("sites.index")


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    """Create an account and log in."""
    if current_user.is_authenticated:
        return redirect(url_for("sites.index"))
    form = SignupForm()
    if form.validate_on_submit():
        try:
            user = create_user(form.email.data, form.password.data)
        except ValueError as exc:
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
        user = db.session.scalar(select(User).where(User.email == User.normalize_email(form.email.data)))
        if user is not None and user.check_password(form.password.data):
            db.session.commit()  # keeps a transparent rehash
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append("Wrong email or password.")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log out (POST, so a link on another site cannot log a merchant out)."""
    logout_user()
    return redirect(url_for("auth.login"))
