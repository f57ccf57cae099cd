"""MirrorManager2's URLs on `serve-web`: the endpoints its clients, mirror scripts and old
bookmarks call (rsyncFilter, /api/mirroradmins, crawler logs, the map location file,
/xmlrpc) and redirects from its page URLs to ours. See docs/migration.md for the table."""
