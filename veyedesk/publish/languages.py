"""Language codes the platforms want: ISO 639-1 from whatever a schedule says
(`language_code`), and three letters for archive.org and media.ccc.de (`three_letter`).

`Metadata.language` is ISO 639-1 ("en"); archive.org's `language` field and voctoweb's
recording and event languages are ISO 639-2 ("eng"). The table covers the languages
conference talks are given in; voctoweb's own list uses the bibliographic code for
Chinese ("chi"), so this table does too.
"""

from __future__ import annotations

import re

from veyedesk.publish.plain import clean_line

ISO639_2 = {
    "ar": "ara",
    "ca": "cat",
    "cs": "ces",
    "da": "dan",
    "de": "deu",
    "el": "ell",
    "en": "eng",
    "es": "spa",
    "fa": "fas",
    "fi": "fin",
    "fr": "fra",
    "he": "heb",
    "hi": "hin",
    "hr": "hrv",
    "hu": "hun",
    "id": "ind",
    "it": "ita",
    "ja": "jpn",
    "ko": "kor",
    "lt": "lit",
    "nl": "nld",
    "no": "nor",
    "pl": "pol",
    "pt": "por",
    "ro": "ron",
    "ru": "rus",
    "sv": "swe",
    "tr": "tur",
    "uk": "ukr",
    "vi": "vie",
    "zh": "chi",
}


def three_letter(code: str) -> str:
    """`code` as ISO 639-2: "en" -> "eng"; a three-letter code passes; unknown -> ""."""
    code = code.strip().lower()
    if len(code) == 3 and code.isalpha():
        return code
    return ISO639_2.get(code.split("-")[0], "")


# ---------------------------------------------------------------- languages

# ISO 639-1 code: names (English and native) and ISO 639-2/3 codes that mean it.
_LANGUAGES: dict[str, tuple[str, ...]] = {
    "ar": ("arabic", "العربية", "ara"),
    "bg": ("bulgarian", "български", "bul"),
    "bn": ("bengali", "bangla", "বাংলা", "ben"),
    "ca": ("catalan", "català", "cat"),
    "cs": ("czech", "čeština", "cesky", "ces", "cze"),
    "cy": ("welsh", "cymraeg", "cym", "wel"),
    "da": ("danish", "dansk", "dan"),
    "de": ("german", "deutsch", "deu", "ger"),
    "el": ("greek", "ελληνικά", "ell", "gre"),
    "en": ("english", "eng"),
    "eo": ("esperanto", "epo"),
    "es": ("spanish", "español", "espanol", "castellano", "spa"),
    "et": ("estonian", "eesti", "est"),
    "eu": ("basque", "euskara", "eus", "baq"),
    "fa": ("persian", "farsi", "فارسی", "fas", "per"),
    "fi": ("finnish", "suomi", "fin"),
    "fr": ("french", "français", "francais", "fra", "fre"),
    "ga": ("irish", "gaeilge", "gle"),
    "gl": ("galician", "galego", "glg"),
    "he": ("hebrew", "עברית", "heb", "iw"),
    "hi": ("hindi", "हिन्दी", "hin"),
    "hr": ("croatian", "hrvatski", "hrv"),
    "hu": ("hungarian", "magyar", "hun"),
    "id": ("indonesian", "bahasa indonesia", "ind"),
    "is": ("icelandic", "íslenska", "isl", "ice"),
    "it": ("italian", "italiano", "ita"),
    "ja": ("japanese", "日本語", "jpn"),
    "ko": ("korean", "한국어", "kor"),
    "lt": ("lithuanian", "lietuvių", "lit"),
    "lv": ("latvian", "latviešu", "lav"),
    "ms": ("malay", "bahasa melayu", "msa", "may"),
    "nb": ("norwegian bokmål", "bokmål", "nob"),
    "nl": ("dutch", "nederlands", "flemish", "nld", "dut"),
    "nn": ("norwegian nynorsk", "nynorsk", "nno"),
    "no": ("norwegian", "norsk", "nor"),
    "pl": ("polish", "polski", "pol"),
    "pt": ("portuguese", "português", "portugues", "por"),
    "ro": ("romanian", "română", "romana", "ron", "rum"),
    "ru": ("russian", "русский", "rus"),
    "sk": ("slovak", "slovenčina", "slk", "slo"),
    "sl": ("slovenian", "slovene", "slovenščina", "slv"),
    "sr": ("serbian", "српски", "srpski", "srp"),
    "sv": ("swedish", "svenska", "swe"),
    "th": ("thai", "ไทย", "tha"),
    "tr": ("turkish", "türkçe", "turkce", "tur"),
    "uk": ("ukrainian", "українська", "ukr"),
    "vi": ("vietnamese", "tiếng việt", "vie"),
    "zh": ("chinese", "中文", "mandarin", "zho", "chi"),
}
_LANGUAGE_OF = {alias: code for code, names in _LANGUAGES.items() for alias in (code, *names)}


def language_code(value: str | None) -> str:
    """ISO 639-1 for a language as schedules write it ("en", "en-US", "eng", "English",
    "Deutsch"), else "" (the platform is then told nothing rather than something wrong)."""
    text = " ".join(clean_line(value).lower().split())
    if not text:
        return ""
    if text in _LANGUAGE_OF:
        return _LANGUAGE_OF[text]
    head = re.split(r"[-_ ,;/(]", text, maxsplit=1)[0]
    return _LANGUAGE_OF.get(head, "")
