"""Reading a target's plain settings: a wrong value names the target, the key and the fix."""

from __future__ import annotations

from veyedesk.publish.base import PublishError, TargetConfig


def number(config: TargetConfig, key: str, default: float) -> float:
    """The option `key` as a positive number, `default` when unset."""
    text = (config.options.get(key) or "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if value <= 0:
        raise PublishError(
            f"target {config.name!r}: {key}={text!r} is not a positive number; set it "
            f"with `veyedesk publish target set ... {config.name} {key}=...`"
        )
    return value
