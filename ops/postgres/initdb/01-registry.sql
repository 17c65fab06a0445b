-- The compose registry's storage (Apicurio SQL storage, docker-compose.yml): schemas survive a registry restart, as the
-- records in Kafka that name their schema ids do. Runs once, when the postgres-data volume is first initialised.
CREATE DATABASE registry;
