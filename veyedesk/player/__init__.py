"""Qt-free wrapper over python-mpv: one timeline across raw files, seeks, shuttle, filters."""
