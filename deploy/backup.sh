#!/usr/bin/env bash
# Nightly pg_dump of the survey database, with a restore check (survey-app-backup.timer).
#
# The dump (custom format) is restored into a scratch database, which is dropped afterwards.
# The check fails (non-zero exit, the dump is kept and marked .unchecked) unless the restore
# succeeds without an error, the restored schema version equals the live one and the
# reference tables are not empty. It prints the restored row counts beside the live ones
# (the live database may have moved on since the dump). Dumps older than
# SURVEY_APP_BACKUP_KEEP_DAYS are removed only after a good check.
# Connection: the usual libpq variables (PGHOST, PGUSER, ...); run as a role that may create
# databases (the unit runs it as postgres).
set -euo pipefail

DATABASE=${SURVEY_APP_BACKUP_DATABASE:-survey_app}
DIR=${SURVEY_APP_BACKUP_DIR:-/var/backups/survey-app}
KEEP_DAYS=${SURVEY_APP_BACKUP_KEEP_DAYS:-14}
CHECK_DB="${DATABASE}_restore_check"
TABLES="municipality questionnaire_version wave invitation response answer citizen app_user audit_event"

export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
value() { psql -X -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }

umask 077
mkdir -p "$DIR"
file="$DIR/$DATABASE-$(date -u +%Y%m%dT%H%M%SZ).dump"
pg_dump --format=custom --file="$file.unchecked" "$DATABASE"

dropdb --if-exists "$CHECK_DB"
createdb "$CHECK_DB"
trap 'dropdb --if-exists "$CHECK_DB"' EXIT
pg_restore --exit-on-error --no-owner --dbname="$CHECK_DB" "$file.unchecked"

live_version=$(value "$DATABASE" "SELECT version_num FROM alembic_version")
restored_version=$(value "$CHECK_DB" "SELECT version_num FROM alembic_version")
if [ "$live_version" != "$restored_version" ]; then
  echo "restore check failed: schema version $restored_version, live $live_version" >&2
  exit 1
fi
for table in $TABLES; do
  restored=$(value "$CHECK_DB" "SELECT count(*) FROM $table")
  echo "$table: $restored rows restored, $(value "$DATABASE" "SELECT count(*) FROM $table") live"
  if [ "$table" = municipality ] || [ "$table" = questionnaire_version ]; then
    if [ "$restored" -eq 0 ]; then
      echo "restore check failed: no rows in $table" >&2
      exit 1
    fi
  fi
done

mv "$file.unchecked" "$file"
find "$DIR" -name "$DATABASE-*.dump" -mtime "+$KEEP_DAYS" -delete
echo "backup $file checked (schema $live_version)"
