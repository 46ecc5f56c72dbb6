#!/bin/bash
# Two databases on the compose PostgreSQL, each with its own owner: Airflow's metadata and socialarkiv's
# catalog. Runs once, on the first start of an empty data volume; the password is POSTGRES_PASSWORD.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username postgres <<SQL
CREATE ROLE airflow LOGIN PASSWORD '${POSTGRES_PASSWORD}';
CREATE DATABASE airflow OWNER airflow;
CREATE ROLE socialarkiv LOGIN PASSWORD '${POSTGRES_PASSWORD}';
CREATE DATABASE socialarkiv OWNER socialarkiv;
SQL
