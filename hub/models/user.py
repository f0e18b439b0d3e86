"""Merchant and operator accounts: email + password hashed with Argon2id, a role, a session version."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.extensions import db
from hub.models.base import UTCDateTime, utcnow
from hub.security import passwords

MIN_PASSWORD_LENGTH = passwords.MIN_LENGTH


class User(UserMixin, db.Model):
    """A merchant (owns sites) or an operator (``is_admin``: the operations and plugins pages)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: part of the session's user id: bumping it (log out) ends every session and copied cookie at once
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    sites = relationship("Site", back_populates="owner", cascade="all, delete-orphan", lazy="dynamic")

    @staticmethod
    def normalize_email(email: str) -> str:
        """Emails compare case-insensitively and without surrounding spaces."""
        return email.strip().lower()

    def set_password(self, password: str) -> None:
        """Hash and store ``password`` (Argon2id; bounded concurrency, see ``hub.security.passwords``)."""
        self.password_hash = passwords.hash_password(password)

    def check_password(self, password: str) -> bool:
        """Verify ``password``; rehash transparently when the cost parameters were raised."""
        ok, needs_rehash = passwords.verify(self.password_hash, password)
        if ok and needs_rehash:
            self.set_password(password)
        return ok

    def get_id(self) -> str:
        """The session's user id, ``"<id>.<session version>"`` (see ``hub.views.auth.load_user``)."""
        return f"{self.id}.{self.session_version or 0}"

    def end_sessions(self) -> None:
        """Invalidate every session and remember cookie of this user (they name the old version)."""
        self.session_version = (self.session_version or 0) + 1

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"
