"""The languages a tablet questionnaire can be shown in, and how a page shows them.

A questionnaire's texts may carry languages beyond Danish and English (``ar``, ``so``, ``ti``,
``uk``, ``fa`` ...); the tablet offers exactly the languages the whole questionnaire exists in.
The app's own words (buttons, headings) exist only in the catalogue's languages (Danish and
English): in any other language they are shown in Danish, marked ``lang="da"``.
"""

from __future__ import annotations

from ..extensions import LANGUAGES
from ..questionnaire_schema import RIGHT_TO_LEFT, Questionnaire

# Each language's name in that language, as a language chooser shows it.
NATIVE_NAMES = {
    "da": "Dansk",
    "en": "English",
    "ar": "العربية",
    "fa": "فارسی",
    "so": "Soomaali",
    "ti": "ትግርኛ",
    "uk": "Українська",
    "ur": "اردو",
    "ps": "پښتو",
    "ckb": "کوردی",
    "ku": "Kurdî",
    "tr": "Türkçe",
    "pl": "Polski",
    "ro": "Română",
    "de": "Deutsch",
    "sv": "Svenska",
    "no": "Norsk",
    "he": "עברית",
}


def language_name(code: str) -> str:
    """The language's own name, or its code where the app does not know the name."""
    return NATIVE_NAMES.get(code, code)


def text_direction(code: str) -> str:
    """``rtl`` for right-to-left scripts, else ``ltr``."""
    return "rtl" if code in RIGHT_TO_LEFT else "ltr"


def ui_language(code: str) -> str:
    """The language of the app's own words for a page in ``code``: Danish where the
    catalogue lacks the language."""
    return code if code in LANGUAGES else "da"


def tablet_languages(definition: Questionnaire) -> list[tuple[str, str]]:
    """(code, own name) of every language the questionnaire can be answered in, Danish first."""
    return [(code, language_name(code)) for code in definition.languages()]
