"""Merchant accounts: email + password hashed with Argon2id."""

from __future__ import annotations

from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.extensions import db
from hub.models.base import UTCDateTime, utcnow

_hasher = PasswordHasher()  # argon2id with the library's current recommended cost
MIN_PASSWORD_LENGTH = 10


class User(UserMixin, db.Model):
    """A merchant; owns sites."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    sites = relationship("Site", back_populates="owner", cascade="all, delete-orphan", lazy="dynamic")

    @staticmethod
    def normalize_email(email: str) -> str:
        """Emails compare case-insensitively and without surrounding spaces."""
        return email.strip().lower()

    def set_password(self, password: str) -> None:
        """Hash and store ``password`` (Argon2id)."""
        self.password_hash = _hasher.hash(password)

    def check_password(self, password: str) -> bool:
        """Verify ``password``; rehash transparently when the cost parameters were raised."""
        try:
            _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        if _hasher.check_needs_rehash(self.password_hash):
            self.set_password(password)
        return True

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"
