import re

from hypothesis import given, strategies as st

from veyedesk.model.slug import MAX_SLUG, TakenSlugs, slugify, unique_slug


def test_slugify_keeps_letters_digits_and_folds_accents() -> None:
    assert slugify("Café: “Ünïcode” in Python 3.12!") == "Cafe_Unicode_in_Python_3_12"
    assert slugify('../../etc/passwd "rm -rf" \\ %s') == "etc_passwd_rm_rf_s"
    assert slugify("🎥🎤") == "episode"


@given(st.text())
def test_any_title_gives_a_file_safe_slug(title: str) -> None:
    slug = slugify(title)
    assert re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9_]*[A-Za-z0-9])?", slug)
    assert len(slug) <= MAX_SLUG


def test_unique_slug_appends_a_counter() -> None:
    taken = {"Intro", "Intro_2"}
    assert unique_slug("Intro", taken) == "Intro_3"
    long_taken = {slugify("x" * 100)}
    candidate = unique_slug("x" * 100, long_taken)
    assert candidate.endswith("_2") and len(candidate) <= MAX_SLUG


def test_slugs_differing_only_in_case_are_taken_on_case_insensitive_file_systems() -> None:
    taken = ["Intro", "INTRO_2"]
    assert unique_slug("intro", taken) == "intro_3"
    used = TakenSlugs(taken)
    assert "iNtRo" in used and "Intro_3" not in used


def test_typed_slugs_take_django_s_alphabet_with_hyphens() -> None:
    from veyedesk.model.slug import is_slug, suggest_slug

    assert is_slug("pretalx-democon") and is_slug("py_con-2026") and is_slug("A-b_C")
    for bad in ("", "two words", "a/b", "café", "../x", "a.b"):
        assert not is_slug(bad)
    assert suggest_slug("pretalx democon-2026!") == "pretalx_democon-2026"


@given(st.text())
def test_a_suggested_slug_is_always_a_slug(text: str) -> None:
    from veyedesk.model.slug import is_slug, suggest_slug

    hint = suggest_slug(text)
    assert hint == "" or is_slug(hint)
