"""The invitation and reminder mails: Danish texts, overridable per questionnaire in YAML."""

from __future__ import annotations

import string
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr
from pathlib import Path

import yaml
from markupsafe import Markup, escape

DEFAULT_TEXTS = Path(__file__).with_name("default_texts.yaml")
PLACEHOLDERS = {"titel", "runde", "lukker", "kommune", "navn", "afsender", "link", "afmeld"}
KINDS = {"invitation": "invitation", "reminder": "paamindelse"}


class MailTextError(ValueError):
    """A mail text file cannot be used; the message says why."""


@dataclass(frozen=True)
class MailValues:
    """What is filled into one mail."""

    titel: str
    runde: str
    lukker: str
    kommune: str
    navn: str
    link: str
    afmeld: str


def _check(text: str, where: str, required: set[str]) -> None:
    names = {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
    unknown = names - PLACEHOLDERS
    if unknown:
        raise MailTextError(f"{where}: ukendt felt {{{sorted(unknown)[0]}}}")
    missing = required - names
    if missing:
        raise MailTextError(f"{where}: teksten skal indeholde {{{sorted(missing)[0]}}}")


def _merge(base: dict, override: dict, where: str) -> dict:
    merged = dict(base)
    for key, value in override.items():
        if key not in base:
            raise MailTextError(f"{where}: ukendt nøgle '{key}'")
        if isinstance(base[key], dict):
            if not isinstance(value, dict):
                raise MailTextError(f"{where}: '{key}' skal have emne og tekst")
            merged[key] = _merge(base[key], value, f"{where}/{key}")
        elif not isinstance(value, str) or not value.strip():
            raise MailTextError(f"{where}: '{key}' skal være en tekst")
        else:
            merged[key] = value
    return merged


def mail_texts(questionnaire_dir: Path, questionnaire: str) -> dict:
    """The texts for ``questionnaire``: the defaults with ``mail/<key>.yaml`` laid over them,
    checked (known keys and placeholders; every body has the link and the opt-out link)."""
    texts = yaml.safe_load(DEFAULT_TEXTS.read_text(encoding="utf-8"))
    path = Path(questionnaire_dir) / "mail" / f"{questionnaire}.yaml"
    if path.exists():
        try:
            override = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise MailTextError(f"{path.name}: ikke gyldig YAML ({exc})") from exc
        if not isinstance(override, dict):
            raise MailTextError(f"{path.name}: skal være en tabel af nøgler")
        texts = _merge(texts, override, path.name)
    _check(texts["afsender"], "afsender", set())
    for kind in KINDS.values():
        _check(texts[kind]["emne"], f"{kind}/emne", set())
        _check(texts[kind]["tekst"], f"{kind}/tekst", {"link", "afmeld"})
    return texts


def _html(body: str, values: MailValues) -> str:
    """The plain text as simple HTML paragraphs, with the two links clickable."""
    paragraphs = []
    for block in body.strip().split("\n\n"):
        html = escape(block).replace("\n", Markup("<br>\n"))
        for url in (values.link, values.afmeld):
            escaped = escape(url)
            html = html.replace(escaped, Markup(f'<a href="{escaped}">{escaped}</a>'))
        paragraphs.append(f"<p>{html}</p>")
    return (
        '<!doctype html>\n<html lang="da"><head><meta charset="utf-8"></head>\n<body>\n'
        + "\n".join(paragraphs)
        + "\n</body></html>\n"
    )


def compose(
    texts: dict, kind: str, values: MailValues, sender: str, recipient: str, message_id: str
) -> EmailMessage:
    """One mail (plain text with an HTML alternative) of ``kind`` (invitation or reminder)."""
    fields = dict(values.__dict__)
    fields["afsender"] = texts["afsender"].format(**fields, afsender="")
    part = texts[KINDS[kind]]
    body = part["tekst"].format(**fields)
    message = EmailMessage()
    message["Subject"] = part["emne"].format(**fields).strip()
    message["From"] = sender
    message["To"] = recipient
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    message["List-Unsubscribe"] = f"<{values.afmeld}>"
    message.set_content(body)
    message.add_alternative(_html(body, values), subtype="html")
    return message


def new_message_id(sender: str, delivery_id: int) -> str:
    """A unique Message-ID for one delivery, on the sender's domain."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    return make_msgid(idstring=f"d{delivery_id}", domain=domain)
