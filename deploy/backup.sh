#!/usr/bin/env bash
# Nightly backup: a custom-format dump of the database and a tarball of uploaded files, kept 30 days.
# Restore: pg_restore --clean --if-exists -d "$DATABASE_URL" danvan-YYYYMMDD.dump; tar xzf media-YYYYMMDD.tgz -C /
set -euo pipefail
: "${DATABASE_URL:?set DATABASE_URL}"
DEST="${BACKUP_DIR:-/var/backups/danvan}"
MEDIA="${DANVAN_MEDIA_ROOT:-/var/lib/danvan/media}"
STAMP=$(date +%Y%m%d)
mkdir -p "$DEST"
pg_dump --format=custom --no-owner --file "$DEST/danvan-$STAMP.dump" "$DATABASE_URL"
tar czf "$DEST/media-$STAMP.tgz" -C / "${MEDIA#/}"
find "$DEST" -name 'danvan-*.dump' -mtime +30 -delete
find "$DEST" -name 'media-*.tgz' -mtime +30 -delete
