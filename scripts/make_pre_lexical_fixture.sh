#!/usr/bin/env bash
# Writes Tests/Fixtures/pre-lexical/collection.sqlite: a collection as Glossa wrote it before the lexical
# index (schema v1-collection only, GRDB's migration table), with two documents of one chunk each (zero
# vectors of the bag-of-words test encoder's 256 dimensions). The migration tests open it.
set -euo pipefail
out=Tests/Fixtures/pre-lexical/collection.sqlite
rm -f "$out"
sqlite3 "$out" <<'SQL'
PRAGMA journal_mode = WAL;
CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
INSERT INTO grdb_migrations VALUES ('v1-collection');
CREATE TABLE manifest (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
CREATE TABLE document (id INTEGER PRIMARY KEY, external_id TEXT NOT NULL UNIQUE, title TEXT, text TEXT NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}', content_hash TEXT NOT NULL, shard INTEGER NOT NULL);
CREATE TABLE chunk (id INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id INTEGER NOT NULL REFERENCES document(id) ON DELETE CASCADE, ordinal INTEGER NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, shard INTEGER NOT NULL, vector BLOB NOT NULL);
CREATE INDEX chunk_document ON chunk(document_id);
CREATE INDEX chunk_shard ON chunk(shard, id);
CREATE TABLE metadata_entry (document_id INTEGER NOT NULL REFERENCES document(id) ON DELETE CASCADE,
    key TEXT NOT NULL, value TEXT NOT NULL);
CREATE INDEX metadata_lookup ON metadata_entry(key, value, document_id);
CREATE INDEX metadata_document ON metadata_entry(document_id);
CREATE TABLE shard (shard INTEGER PRIMARY KEY, version INTEGER NOT NULL DEFAULT 0, indexed_version INTEGER);
INSERT INTO manifest VALUES ('model_name', 'bag-of-words'), ('dimension', '256'), ('index_type', 'flat'),
    ('shard_count', '1'), ('chunk_tokens', '512'), ('chunk_overlap', '64'), ('created_by', 'glossa 0.1');
INSERT INTO shard VALUES (0, 1, NULL);
INSERT INTO document VALUES (1, 'old-1', NULL, 'The wombat digs burrows.', '{}', 'h1', 0),
    (2, 'old-2', NULL, '東京都の地下鉄', '{}', 'h2', 0);
INSERT INTO chunk VALUES (1, 1, 0, 0, 24, 0, zeroblob(1024)), (2, 2, 0, 0, 21, 0, zeroblob(1024));
SQL
echo "wrote $out"
