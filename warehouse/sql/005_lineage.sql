-- Lineage: every materialised table (per dataset version) or file is an artifact; edges point from an
-- artifact to the artifacts it was built from. The same graph is published as Prefect assets.
CREATE TABLE IF NOT EXISTS artifacts (
    artifact_id VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, name VARCHAR NOT NULL, uri VARCHAR NOT NULL,
    version_id VARCHAR, run_id VARCHAR, content_hash VARCHAR, n_rows BIGINT, created_at TIMESTAMP NOT NULL);

CREATE TABLE IF NOT EXISTS lineage_edges (
    child_id VARCHAR NOT NULL, parent_id VARCHAR NOT NULL, run_id VARCHAR, version_id VARCHAR,
    PRIMARY KEY (child_id, parent_id));
