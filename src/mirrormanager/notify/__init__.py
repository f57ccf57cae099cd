"""Telling people things: e-mail through the configured SMTP server (see `mail`).

A room of its own because both the web UI (sign-up and reset links) and the crawler
(a host was disabled) send mail, and neither should import the other.
"""
