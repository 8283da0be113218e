import re

from hypothesis import given
from hypothesis import strategies as st

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
