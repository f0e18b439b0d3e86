"""The shopper's assistant: settings, and who writes the one-line answer above the products.

Provider interface
------------------
An answer provider turns a finished search into the sentence the widget shows above the products. It
never searches and never picks products: the hub ranks them (``hub.widget.search``) and the provider only
words the answer, so a provider cannot show a product the merchant's settings hide. To add one (a hosted
language model, say), implement :class:`AnswerProvider` and register it in :data:`PROVIDERS`:

* ``name``: the key stored in ``assistant_settings.provider``.
* ``answer(request) -> Answer``: called once per search, inside the request. ``request`` holds the
  shopper's query, what it was understood to mean (chips), the ranked products as the widget receives
  them (public fields only: name, brand, price, stock), the result count and the assistant's settings
  (name, tone, language). Return an :class:`Answer`; a provider that fails or is slow must raise
  :class:`ProviderUnavailable`, and the widget then gets the deterministic answer instead (the hub
  catches it: shoppers always get products).
* No secrets or shopper identifiers are passed; a provider needing credentials reads them from the hub's
  configuration, never from the request.

Only :class:`DeterministicProvider` ships: it builds the line from the understood query
("3 mugs under €20, in stock") with no network and no model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.models.search import TONES, AssistantSettings
from hub.models.widget import LANGUAGES
from hub.widget.query import Understanding
from hub.widget.vocabulary import stem

MAX_STARTERS = 6
MAX_STARTER_CHARS = 120


@dataclass(frozen=True)
class Assistant:
    """The assistant's settings as one search reads them."""

    name: str = "Assistant"
    tone: str = TONES[0]
    starters: tuple[str, ...] = ()
    languages: tuple[str, ...] = ("en",)
    provider: str = "deterministic"


@dataclass(frozen=True)
class AnswerRequest:
    """Everything a provider may use to word an answer."""

    query: str
    understanding: Understanding
    products: list[dict] = field(default_factory=list)
    assistant: Assistant = field(default_factory=Assistant)
    language: str = "en"


@dataclass(frozen=True)
class Answer:
    """The provider's reply: one line shown above the products."""

    summary: str


class ProviderUnavailable(RuntimeError):
    """The provider could not answer (down, too slow, refused); the deterministic answer is used."""


class AnswerProvider(Protocol):
    """Writes the assistant's answer for a finished search (see the module docstring)."""

    name: str

    def answer(self, request: AnswerRequest) -> Answer:
        """The answer to ``request``, or raise :class:`ProviderUnavailable`."""
        ...


def _subject(u: Understanding, count: int) -> str:
    words = [g.alternatives[0] for g in u.groups]
    if u.category is not None and not words:
        name = u.category[1].lower()
        return stem(name) if count == 1 else name
    noun = " ".join(words) or "products"
    if count == 1:
        return noun
    return noun if noun.endswith("s") else noun + "s"


class DeterministicProvider:
    """Builds the answer from the count and the understood parts of the query; no network, no model."""

    name = "deterministic"

    def answer(self, request: AnswerRequest) -> Answer:
        """``"12 mugs under €20, in stock"``, toned by the assistant's settings."""
        u = request.understanding
        count = len(request.products)
        labels = [c.label for c in u.chips if c.kind in ("price", "brand", "in_stock", "on_sale", "option")]
        core = f"{count} {_subject(u, count)}"
        if u.brand is not None:
            labels = [label for label in labels if label != u.brand[1]]
            core += f" by {u.brand[1]}"
        extras = []
        for label in labels:  # a price reads as part of the phrase ("mugs under €20"), the rest after it
            if (
                label.startswith(("under ", "over ", "cheap"))
                or label[:1].isdigit()
                or not label[:1].isalpha()
            ):
                core += " " + label
            else:
                extras.append(label)
        line = ", ".join([core, *extras])
        if count == 0:
            return Answer(f"No {_subject(u, 2)} found" + (f" ({', '.join(labels)})" if labels else "") + ".")
        if request.assistant.tone == "concise":
            return Answer(line)
        if request.assistant.tone == "formal":
            return Answer(f"We found {line}.")
        return Answer(f"Here are {line}!" if count > 1 else f"Here is {line}!")


PROVIDERS: dict[str, AnswerProvider] = {"deterministic": DeterministicProvider()}


def summarize(request: AnswerRequest) -> str:
    """The answer line from the assistant's provider, or the deterministic one if it is unavailable."""
    provider = PROVIDERS.get(request.assistant.provider, PROVIDERS["deterministic"])
    try:
        return provider.answer(request).summary
    except ProviderUnavailable:
        return PROVIDERS["deterministic"].answer(request).summary


def load(session: Session, site_id: int) -> Assistant:
    """The site's assistant settings, or the defaults."""
    row = session.scalar(select(AssistantSettings).where(AssistantSettings.site_id == site_id))
    if row is None:
        return Assistant()
    return Assistant(
        row.name, row.tone, tuple(row.starters or ()), tuple(row.languages or ("en",)), row.provider
    )


class AssistantError(ValueError):
    """Input that cannot become assistant settings; the message says what to fix."""


def from_form(form: dict) -> Assistant:
    """Validated assistant settings from the page's fields."""
    name = (form.get("name") or "").strip()
    if not 1 <= len(name) <= 60:
        raise AssistantError("name: 1 to 60 characters")
    tone = form.get("tone") or TONES[0]
    if tone not in TONES:
        raise AssistantError(f"tone: one of {', '.join(TONES)}")
    starters = tuple(s.strip() for s in (form.get("starters") or "").splitlines() if s.strip())
    if len(starters) > MAX_STARTERS or any(len(s) > MAX_STARTER_CHARS for s in starters):
        raise AssistantError(
            f"starter questions: at most {MAX_STARTERS}, each under {MAX_STARTER_CHARS} characters"
        )
    languages = tuple(code for code in form.getlist("languages") if code in LANGUAGES) if hasattr(
        form, "getlist") else tuple(form.get("languages") or ())  # fmt: skip
    if not languages:
        raise AssistantError("languages: choose at least one")
    provider = form.get("provider") or "deterministic"
    if provider not in PROVIDERS:
        raise AssistantError("provider: unknown")
    return Assistant(name, tone, starters, languages, provider)


def save(session: Session, site_id: int, assistant: Assistant) -> None:
    """Store ``assistant`` as the site's settings (the caller commits)."""
    row = session.scalar(select(AssistantSettings).where(AssistantSettings.site_id == site_id))
    if row is None:
        row = AssistantSettings(site_id=site_id)
        session.add(row)
    row.name, row.tone, row.provider = assistant.name, assistant.tone, assistant.provider
    row.starters, row.languages = list(assistant.starters), list(assistant.languages)
