"""Web forms. The credential form is built at run time from the platform plugin's schema."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, Field, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length
from wtforms.widgets import PasswordInput

from hub.credentials import MASK, FieldSpec
from hub.models.user import MIN_PASSWORD_LENGTH

#: longer than any platform's credential; a longer paste is an error, not a truncation
MAX_CREDENTIAL_LENGTH = 2048
TOO_LONG = "This is longer than %(max)d characters: check that only the value was pasted."


class SignupForm(FlaskForm):
    """New merchant account."""

    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(
        "Password",
        validators=[
            DataRequired(),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=1024,
                message=f"The password must have at least {MIN_PASSWORD_LENGTH} characters (at most 1024).",
            ),
        ],
        description=f"At least {MIN_PASSWORD_LENGTH} characters.",
    )
    confirm = PasswordField("Repeat password", validators=[EqualTo("password", "The passwords differ.")])
    submit = SubmitField("Create account")


class LoginForm(FlaskForm):
    """Sign in."""

    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])
    submit = SubmitField("Log in")


SITE_NAME_MAX = 200


class SiteForm(FlaskForm):
    """Create or rename a site."""

    name = StringField("Site name", validators=[DataRequired(), Length(max=SITE_NAME_MAX)])
    submit = SubmitField("Save")


SYNC_INTERVALS = [
    (0, "Off"),
    (15, "Every 15 minutes"),
    (60, "Hourly"),
    (360, "Every 6 hours"),
    (1440, "Daily"),
]
RECONCILE_INTERVALS = [(0, "Off"), (360, "Every 6 hours"), (1440, "Daily"), (10080, "Weekly")]
FULL_INTERVALS = [(0, "Off"), (1440, "Daily"), (10080, "Weekly"), (43200, "Every 30 days")]


class ScheduleForm(FlaskForm):
    """How often a site syncs by itself."""

    sync_interval_minutes = SelectField(
        "Sync changed products",
        coerce=int,
        choices=[SelectChoice(str(v), label) for v, label in SYNC_INTERVALS],
    )
    reconcile_interval_minutes = SelectField(
        "Check for deleted products",
        coerce=int,
        choices=[SelectChoice(str(v), label) for v, label in RECONCILE_INTERVALS],
    )
    full_sync_interval_minutes = SelectField(
        "Full resync (repairs anything a failed sync left behind)",
        coerce=int,
        choices=[SelectChoice(str(v), label) for v, label in FULL_INTERVALS],
    )
    submit = SubmitField("Save schedule")


class DeleteSiteForm(FlaskForm):
    """Deleting a site is confirmed by typing its name."""

    confirm_name = StringField(
        "Type the site's name to confirm", validators=[DataRequired(), Length(max=200)]
    )
    submit = SubmitField("Delete this site")


class ActionForm(FlaskForm):
    """A bare CSRF-protected form for buttons that POST (delete, sync, cancel...)."""


class SecretInput(PasswordInput):
    """A password input that can show the mask of a stored secret and never shows anything else."""

    def __call__(self, field, **kwargs):
        kwargs["value"] = MASK if kwargs.get("value") == MASK else ""
        return super().__call__(field, **kwargs)


def credentials_form(choices: list[tuple[str, str]], specs: list[FieldSpec]) -> type[FlaskForm]:
    """A form class with the platform dropdown and one input per credential field of the schema.

    Validation of the values is the plugin's (normalize_credentials); WTForms only carries them.
    Secret fields are password inputs whose value is the mask, never the secret.
    """

    class CredentialsForm(FlaskForm):
        platform = SelectField(
            "Platform", choices=[SelectChoice(value, label) for value, label in choices], validate_choice=True
        )

    for spec in specs:
        render_kw = {
            "placeholder": spec.placeholder,
            "autocomplete": "off",
            "spellcheck": "false",
            "maxlength": MAX_CREDENTIAL_LENGTH,
        }
        if spec.required:
            render_kw["aria-required"] = "true"
        field_cls: type[Field] = PasswordField if spec.secret else StringField
        kwargs = {
            "label": spec.label,
            "description": spec.help,
            "render_kw": render_kw,
            # Too long is an error the merchant sees, never a silent cut of what they pasted.
            "validators": [Length(max=MAX_CREDENTIAL_LENGTH, message=TOO_LONG)],
        }
        if spec.secret:
            render_kw["autocomplete"] = "new-password"
            kwargs["widget"] = SecretInput(hide_value=False)
        setattr(CredentialsForm, f"cred_{spec.name}", field_cls(**kwargs))
    return CredentialsForm
