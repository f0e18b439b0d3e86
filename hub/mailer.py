"""Outgoing email over SMTP (``SMTP_*`` settings), for alerts. No SMTP_HOST: nothing is sent."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app


class MailError(RuntimeError):
    """The message could not be handed to the SMTP server; the message says why (no password in it)."""


def configured() -> bool:
    """Is an SMTP server configured?"""
    return bool(current_app.config.get("SMTP_HOST"))


def send(to: str, subject: str, body: str) -> None:
    """Send a plain-text message to ``to``; raises ``MailError``."""
    cfg = current_app.config
    message = EmailMessage()
    message["From"] = cfg["SMTP_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="claudery-hub")
    message.set_content(body)
    security = cfg["SMTP_SECURITY"]
    timeout = float(cfg["SMTP_TIMEOUT"])
    try:
        if security == "ssl":
            client = smtplib.SMTP_SSL(cfg["SMTP_HOST"], int(cfg["SMTP_PORT"]), timeout=timeout,
                                      context=ssl.create_default_context())  # fmt: skip
        else:
            client = smtplib.SMTP(cfg["SMTP_HOST"], int(cfg["SMTP_PORT"]), timeout=timeout)
        with client:
            if security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if cfg.get("SMTP_USERNAME"):
                client.login(cfg["SMTP_USERNAME"], cfg.get("SMTP_PASSWORD") or "")
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(
            f"SMTP {cfg['SMTP_HOST']}:{cfg['SMTP_PORT']} refused the message ({type(exc).__name__})"
        ) from None
