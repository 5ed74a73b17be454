-- Quality layer: gate results, and rows the gates turned away (kept with their reason).
CREATE TABLE IF NOT EXISTS checks (
    version_id VARCHAR NOT NULL, check_name VARCHAR NOT NULL, subject_id VARCHAR NOT NULL,
    passed BOOLEAN NOT NULL, value DOUBLE, detail VARCHAR);

CREATE TABLE IF NOT EXISTS rejected_queries (
    version_id VARCHAR NOT NULL, query_id VARCHAR NOT NULL, preference_id VARCHAR NOT NULL,
    check_name VARCHAR NOT NULL, reason VARCHAR NOT NULL, record JSON,
    PRIMARY KEY (version_id, query_id));
