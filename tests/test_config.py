from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import given, settings, strategies as st

from veyedesk.config import ConfigError, data_dir, describe, load_settings, mask_url


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_flags_beat_env_beat_file_beat_defaults(tmp_path: Path) -> None:
    cfg = write(
        tmp_path / "c.toml",
        'db = "sqlite:///file.db"\nraw_root = "/file/raw"\nuser = "file"\n'
        "lock_stale_minutes = 30\n",
    )
    env = {"VEYEDESK_DB": "sqlite:///env.db", "VEYEDESK_RAW_ROOT": "/env/raw"}
    s = load_settings(flags={"db": "sqlite:///flag.db", "user": None}, env=env, path=cfg)
    assert s.db == "sqlite:///flag.db"
    assert s.raw_root == "/env/raw"
    assert s.user == "file"
    assert s.lock_stale_minutes == 30
    assert s.source == str(cfg)


def test_defaults_without_a_file(tmp_path: Path) -> None:
    s = load_settings(env={}, path=tmp_path / "absent.toml")
    assert s.db.startswith("sqlite:///") and s.db.endswith("veyedesk.db")
    assert "@" in s.user
    assert s.profile().vcodec == "libx264"
    assert s.profile("webm").acodec == "libopus"


def test_profiles_can_be_added_or_changed_in_the_file(tmp_path: Path) -> None:
    cfg = write(
        tmp_path / "c.toml",
        '[profiles.mp4]\nwidth = 1920\nheight = 1080\n[profiles.lowres]\next = "mp4"\n'
        'width = 640\nheight = 360\nvideo_options = ["-preset", "ultrafast"]\n',
    )
    s = load_settings(env={}, path=cfg)
    assert (s.profile("mp4").width, s.profile("mp4").vcodec) == (1920, "libx264")
    assert s.profile("lowres").video_options == ("-preset", "ultrafast")
    with pytest.raises(ConfigError, match="no encode profile 'nope'; known profiles: lowres, mp4"):
        s.profile("nope")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("db = [", "not valid TOML"),
        ("colour = 'red'", "unknown setting 'colour'"),
        ("lock_stale_minutes = 'soon'", "lock_stale_minutes must be a whole number"),
        ("[profiles.mp4]\nbitrate = 3", r"unknown keys \['bitrate'\]"),
    ],
)
def test_bad_files_are_named(tmp_path: Path, text: str, message: str) -> None:
    cfg = write(tmp_path / "c.toml", text)
    with pytest.raises(ConfigError, match=message) as info:
        load_settings(env={}, path=cfg)
    assert str(cfg) in str(info.value)


def test_bad_env_value_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="VEYEDESK_TITLE_SECONDS"):
        load_settings(env={"VEYEDESK_TITLE_SECONDS": "five"}, path=tmp_path / "x.toml")


def test_secrets_are_masked() -> None:
    assert mask_url("postgresql+psycopg://ed:s3cret@db.lan:5433/vey") == (
        "postgresql+psycopg://ed:***@db.lan:5433/vey"
    )
    assert mask_url("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"
    shown = describe(
        load_settings(
            env={"VEYEDESK_DB": "postgresql://ed:s3cret@h/v", "VEYEDESK_PASSWORD": "pw12345678"}
        )
    )
    assert "s3cret" not in str(shown) and "pw12345678" not in str(shown)
    assert shown["password"] == "***"


# Passwords in every form a URL or a libpq string can carry them. The password starts with
# Q and ends with Z, letters found nowhere else in the generated text, so any leaked part of
# it shows; its middle may hold anything a careless user types (@ / : ? # & ' space %).
_PLAIN = st.text("abcdefghijklmnop0123456789", min_size=1, max_size=8)
_PASSWORD = st.builds(
    lambda mid: f"Q{mid}Z",
    st.text(st.characters(codec="utf-8", exclude_characters="QZ\r\n"), max_size=12),
)


def _keyword_quoted(pw: str) -> str:
    return "'" + pw.replace("\\", "\\\\").replace("'", "\\'") + "'"


_FORMS = {
    "userinfo": lambda u, pw, h: f"postgresql+psycopg://{u}:{pw}@{h}:5432/vey",
    "userinfo, encoded": lambda u, pw, h: f"postgresql://{u}:{quote(pw, safe='')}@{h}/vey",
    "no user": lambda u, pw, h: f"postgresql://:{pw}@{h}/vey",
    "query": lambda u, pw, h: f"postgresql://{u}@{h}/vey?sslmode=require&password={pw}&port=5",
    "query, encoded": lambda u, pw, h: f"postgresql://{u}@{h}/vey?password={quote(pw)}",
    "sslpassword": lambda u, pw, h: f"postgresql://{u}@{h}/vey?sslpassword={pw}",
    "keyword": lambda u, pw, h: f"host={h} user={u} password={_keyword_quoted(pw)} dbname=v",
    "keyword, bare": lambda u, pw, h: f"host={h} password = {pw.replace(' ', '')} user={u}",
    "host forgotten": lambda u, pw, h: (
        f"postgresql://{u}:{pw.replace('/', '').replace('@', '')}/vey"
    ),
    "bad port": lambda u, pw, h: f"postgresql://{u}:{pw}@{h}:port/vey",
    "pasted alone": lambda u, pw, h: pw.replace("=", "").replace("://", ""),
}


@settings(max_examples=300, deadline=None)
@given(form=st.sampled_from(sorted(_FORMS)), user=_PLAIN, password=_PASSWORD, host=_PLAIN)
def test_no_part_of_a_password_is_shown_whatever_the_url_looks_like(
    form: str, user: str, password: str, host: str
) -> None:
    url = _FORMS[form](user, password, host)
    for shown in (mask_url(url), describe(load_settings(env={"VEYEDESK_DB": url}))["db"]):
        assert "Q" not in shown and "Z" not in shown, (url, shown)
        middle = password[1:-1]
        if len(middle) >= 3 and middle not in url.replace(password, ""):
            assert middle not in shown, (url, shown)


def test_masking_keeps_what_is_not_secret() -> None:
    url = "postgresql+psycopg://ed:pw@db.lan:5433/vey?sslmode=require&password=x&port=5"
    assert (
        mask_url(url)
        == "postgresql+psycopg://ed:***@db.lan:5433/vey?sslmode=require&password=***&port=5"
    )
    assert mask_url("host=h password='a b' dbname=v") == "host=h password=*** dbname=v"
    assert mask_url("sqlite:////srv/a@b:c.db") == "sqlite:////srv/a@b:c.db"
    assert mask_url("postgresql://[::1]:5432/v") == "postgresql://[::1]:5432/v"


def test_venue_folder_is_the_database_and_the_output(tmp_path: Path) -> None:
    from veyedesk.config import ConfigError, venue_db_url

    folder = tmp_path / "to-go"
    folder.mkdir()
    s = load_settings(flags={"venue": str(folder)}, env={}, path=tmp_path / "none.toml")
    assert s.db == venue_db_url(folder) == f"sqlite:///{folder / 'venue.db'}"
    assert (s.venue, s.output_root) == (str(folder), str(folder / "output"))
    with pytest.raises(ConfigError, match="give one"):
        load_settings(
            flags={"venue": str(folder), "db": "sqlite:///x.db"}, env={}, path=tmp_path / "n"
        )
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(env={"VEYEDESK_VENUE": str(tmp_path / "gone")}, path=tmp_path / "n")


@pytest.mark.parametrize("home", ["/dev/null", "file"])
def test_a_data_folder_that_can_never_be_a_folder_is_one_line_naming_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, home: str
) -> None:
    import os
    import subprocess
    import sys

    if home == "file":
        home = str(tmp_path / "a-file")
        Path(home).write_text("not a folder")
    monkeypatch.delenv("VEYEDESK_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", home)
    with pytest.raises(ConfigError, match=f"{home} is not a folder; set XDG_DATA_HOME"):
        data_dir()
    # Through the real command: one line, no traceback, exit 1.
    env = {k: v for k, v in os.environ.items() if k not in ("VEYEDESK_DATA_DIR", "VEYEDESK_DB")}
    run = subprocess.run(
        [sys.executable, "-m", "veyedesk", "episodes", "--client", "c", "--show", "s"],
        env={**env, "XDG_DATA_HOME": home}, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 1
    assert run.stderr.count("\n") == 1 and "is not a folder" in run.stderr, run.stderr
