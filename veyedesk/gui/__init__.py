"""Everything Qt: windows, widgets, the mpv video widget, background tasks."""
