"""Request limits and error answers: bounded ids in URLs, body size, and no 500 page for bad input.

Every ``<int:...>`` in a route accepts 1 .. 2**31-1 only (the id columns are 32-bit integers on
PostgreSQL): a huge id is a 404, not a database overflow. Bodies above ``MAX_CONTENT_LENGTH`` get 413.
"""

from __future__ import annotations

import click
from flask import Flask, render_template, request
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1


#: the CLI's id arguments: the same bounds as URLs, so ``hub sites test 99999999999999999999`` is a message
CLI_ID = click.IntRange(1, MAX_ID)


class IdConverter(IntegerConverter):
    """``int`` in routes: a positive id that fits the database's integer columns."""

    def __init__(self, url_map, fixed_digits: int = 0, min: int | None = 1, max: int | None = MAX_ID, **kw):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, **kw)
        self.regex = r"\d{1,10}"  # longer digit strings cannot be ids: no int() of a megabyte of digits


def install_converters(app: Flask) -> None:
    """Replace the ``int`` converter; call before any blueprint is registered."""
    app.url_map.converters["int"] = IdConverter


def install_error_pages(app: Flask) -> None:
    """Plain error pages for 400/404/413 and a generic 500 (no trace shown)."""

    def page(title: str, message: str, status: int):
        if request.blueprint == "widget_api" or request.path.startswith(("/widget/", "/metrics", "/readyz")):
            return {"error": title.lower().replace(" ", "_")}, status
        return render_template("error.html", title=title, message=message), status

    @app.errorhandler(404)
    def not_found(_exc):
        return page("Not found", "There is nothing here.", 404)

    @app.errorhandler(400)
    def bad_request(exc):
        return page("Bad request", exc.description, 400)

    @app.errorhandler(413)
    def too_large(_exc):
        limit = app.config.get("MAX_CONTENT_LENGTH") or 0
        return page("Too large", f"The request is larger than the hub accepts ({limit // 1024} KB).", 413)

    @app.errorhandler(500)
    def unexpected(_exc):
        # Flask has logged the exception (redacted); in tests and debug it propagates instead.
        return page("Something went wrong", "The error was logged; please try again.", 500)
