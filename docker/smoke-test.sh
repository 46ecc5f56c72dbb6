#!/usr/bin/env bash
# Smoke test of docker/compose.yaml on a machine with a Docker engine: build the image, start every service
# in a throw-away project, archive a fake Facebook Page through the nightly DAG on the CeleryExecutor, then
# check the run report, every package in the S3 store (Object Lock) and the audit log, and that the API
# server, the web app and the webhook receiver answer. Tears everything down (volumes too) at the end.
#   bash docker/smoke-test.sh            # from the repository root; needs docker and docker compose (or docker-compose)
set -euo pipefail
cd "$(dirname "$0")/.."
project=socialarkiv-smoke
deploy=$(mktemp -d)
compose() {
  if docker compose version >/dev/null 2>&1; then docker compose "$@"; else docker-compose "$@"; fi
}
run() { compose -p "$project" --project-directory "$deploy" -f "$deploy/compose.yaml" -f "$deploy/compose.smoke.yaml" "$@"; }
cleanup() { run down -v >/dev/null 2>&1 || true; rm -rf "$deploy"; }
trap cleanup EXIT

docker build -f docker/Dockerfile -t socialarkiv:latest .
cp docker/compose.yaml docker/compose.smoke.yaml docker/postgres-init.sh "$deploy/"
secret() { python3 -c 'import secrets; print(secrets.token_urlsafe(24))'; }
echo "POSTGRES_PASSWORD=$(secret)" > "$deploy/.env"
s3_key=$(secret); s3_secret=$(secret)
sed -e "s|^AWS_ACCESS_KEY_ID=.*|AWS_ACCESS_KEY_ID=$s3_key|" -e "s|^AWS_SECRET_ACCESS_KEY=.*|AWS_SECRET_ACCESS_KEY=$s3_secret|" \
    -e "s|^SOCIALARKIV_S3_ACCESS_KEY=.*|SOCIALARKIV_S3_ACCESS_KEY=$s3_key|" \
    -e "s|^SOCIALARKIV_S3_SECRET_KEY=.*|SOCIALARKIV_S3_SECRET_KEY=$s3_secret|" \
    -e "s|^AIRFLOW__CORE__FERNET_KEY=.*|AIRFLOW__CORE__FERNET_KEY=$(python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())')|" \
    -e "s|^AIRFLOW__API_AUTH__JWT_SECRET=.*|AIRFLOW__API_AUTH__JWT_SECRET=$(secret)|" \
    -e "s|^SOCIALARKIV_WEBHOOK_VERIFY_TOKEN=.*|SOCIALARKIV_WEBHOOK_VERIFY_TOKEN=smoke-verify|" \
    docker/socialarkiv.env.example > "$deploy/socialarkiv.env"
# the example's account, pointed at the fake (page 200000000000001 of `archiver fake-api`)
sed -e 's|https://graph.facebook.com|http://127.0.0.1:8799|' -e 's|123456789012345|200000000000001|' \
    -e 's|conn:sarpsborg_facebook|conn:smoke_facebook|' docker/socialarkiv.toml.example > "$deploy/socialarkiv.toml"

run up -d
run exec -T airflow-scheduler airflow connections add smoke_facebook --conn-type generic \
    --conn-password demo-page-token-not-secret >/dev/null
sleep 20   # the DAG processor's first parse
run exec -T airflow-scheduler airflow dags unpause social_archive_nightly >/dev/null   # schedules the latest night
state=""
for _ in $(seq 1 90); do
  state=$(run exec -T postgres psql -U postgres -d airflow -Atc \
    "SELECT state FROM dag_run WHERE dag_id = 'social_archive_nightly' ORDER BY id DESC LIMIT 1" | tr -d '\r')
  [ "$state" = "success" ] || [ "$state" = "failed" ] && break
  sleep 10
done
run exec -T postgres psql -U postgres -d airflow -c \
  "SELECT task_id, state, count(*) FROM task_instance GROUP BY 1, 2 ORDER BY 1"
[ "$state" = "success" ] || { echo "smoke test: the nightly DAG run ended '$state'" >&2; exit 1; }
run exec -T web python3 - <<'PY'
import glob, json, os
from archiver.config import load_settings
from archiver.fixity import verify_store
from archiver.pipeline import services_for
report = json.load(open(sorted(glob.glob("/var/lib/socialarkiv/archive/reports/*.json"))[-1]))
assert report["threads"] == report["packages_written"] == 30 and report["failed"] == 0, report
settings = load_settings(os.environ["SOCIALARKIV_CONFIG"])
services = services_for(settings)
result = verify_store(services.store, services.catalog, settings.retention, now=report["ended_at"], store_name="s3")
assert result["packages"] == 30 and result["result"] == "passed", result
print("smoke test: 30 threads archived, 30 packages verified in the locked S3 store")
PY
run exec -T web archiver audit verify
for url in http://127.0.0.1:8080/api/v2/monitor/health http://127.0.0.1:8720/login \
           "http://127.0.0.1:8710/webhooks/meta?hub.mode=subscribe&hub.verify_token=smoke-verify&hub.challenge=42"; do
  curl -fsS -o /dev/null "$url" || { echo "smoke test: $url did not answer" >&2; exit 1; }
done
echo "smoke test: passed"
