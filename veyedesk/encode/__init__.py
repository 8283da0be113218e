"""From an episode to a published file: plan (pure ffmpeg arguments), titles, run, verify."""
