"""Language codes the platforms want: archive.org and media.ccc.de take three letters.

`Metadata.language` is ISO 639-1 ("en"); archive.org's `language` field and voctoweb's
recording and event languages are ISO 639-2 ("eng"). The table covers the languages
conference talks are given in; voctoweb's own list uses the bibliographic code for
Chinese ("chi"), so this table does too.
"""

from __future__ import annotations

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
