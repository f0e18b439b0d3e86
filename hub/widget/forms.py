"""The merchant's widget settings form (Flask-WTF, so every POST carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Regexp, ValidationError

from hub.models.widget import LANGUAGES, MAX_RESULTS, POSITIONS
from hub.widget.settings import OriginError, parse_origins


class WidgetForm(FlaskForm):
    """Look, language, allowed storefront origins and search preferences of a site's widget."""

    enabled = BooleanField("Show the widget on my storefront")
    position = SelectField(
        "Launcher position",
        choices=[SelectChoice(p, p.replace("-", " ").capitalize()) for p in POSITIONS],
        validate_choice=True,
    )
    accent_color = StringField(
        "Accent colour",
        validators=[DataRequired(), Regexp(r"^#[0-9a-fA-F]{6}$", message="Use a colour like #4f46e5.")],
        render_kw={"type": "color"},
    )
    greeting = TextAreaField(
        "Greeting",
        validators=[DataRequired(), Length(max=300)],
        description="The first thing shoppers read when they open the widget.",
        render_kw={"rows": 2, "maxlength": 300},
    )
    language = SelectField(
        "Language",
        choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()],
        validate_choice=True,
    )
    allowed_origins = TextAreaField(
        "Storefront addresses allowed to load the widget",
        description="One per line, e.g. https://shop.example.com. Any other site that copies your "
        "snippet gets nothing.",
        render_kw={"rows": 3, "spellcheck": "false", "autocomplete": "off"},
    )
    include_hidden = BooleanField("Include products hidden from the storefront")
    include_out_of_stock = BooleanField("Include out-of-stock products (marked as such)")
    results_per_answer = IntegerField(
        "Products per answer",
        validators=[NumberRange(min=1, max=MAX_RESULTS, message=f"Between 1 and {MAX_RESULTS}.")],
        render_kw={"min": 1, "max": MAX_RESULTS},
    )
    submit = SubmitField("Save widget settings")

    #: set by validation: the normalized origins
    origins: list[str]

    def validate_allowed_origins(self, field) -> None:
        """Normalize the origins; a malformed line is an error naming the line."""
        try:
            self.origins = parse_origins(field.data or "")
        except OriginError as exc:
            raise ValidationError(str(exc)) from None
        if self.enabled.data and not self.origins:
            raise ValidationError("Add your storefront's address, or the widget cannot load anywhere.")
