"""Media facts: ffprobe, waveform peaks, thumbnails, silence detection (spawns ffmpeg/ffprobe)."""
