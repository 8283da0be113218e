from pathlib import Path

import pytest

from veyedesk.config import ConfigError, describe, load_settings, mask_url


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
