"""Putting a talk's encode where its audience is: PeerTube, YouTube, archive.org,
media.ccc.de, any rclone destination, and announcements on Mastodon or by webhook.

One module per target kind, each a `Publisher` (see `base.py`) that speaks its platform's
protocol and nothing else: no database, no Qt. The pipeline (jobs) and the use cases
(services.publishing) decide what to publish when; what a talk's title, description and
licence look like on a platform is composed once (`metadata.py`).
"""
