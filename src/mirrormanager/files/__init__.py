"""Files MirrorManager publishes: written whole or not at all (see `atomic`)."""
