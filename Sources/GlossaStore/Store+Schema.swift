// Versioned schema migrations (GRDB DatabaseMigrator). Never edit a shipped migration: add one.
import GRDB

extension Store {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-collection") { db in
            try db.execute(
                sql: """
                    CREATE TABLE manifest (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
                    CREATE TABLE document (
                        id INTEGER PRIMARY KEY,
                        external_id TEXT NOT NULL UNIQUE,
                        title TEXT,
                        text TEXT NOT NULL,
                        metadata TEXT NOT NULL DEFAULT '{}',
                        content_hash TEXT NOT NULL,
                        shard INTEGER NOT NULL
                    );
                    -- AUTOINCREMENT: a deleted chunk's id is never reused, so a stale FAISS file can
                    -- never return an id that now means a different chunk.
                    CREATE TABLE chunk (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        document_id INTEGER NOT NULL REFERENCES document(id) ON DELETE CASCADE,
                        ordinal INTEGER NOT NULL,
                        start INTEGER NOT NULL,
                        "end" INTEGER NOT NULL,
                        shard INTEGER NOT NULL,
                        vector BLOB NOT NULL
                    );
                    CREATE INDEX chunk_document ON chunk(document_id);
                    CREATE INDEX chunk_shard ON chunk(shard, id);
                    CREATE TABLE metadata_entry (
                        document_id INTEGER NOT NULL REFERENCES document(id) ON DELETE CASCADE,
                        key TEXT NOT NULL,
                        value TEXT NOT NULL
                    );
                    CREATE INDEX metadata_lookup ON metadata_entry(key, value, document_id);
                    CREATE INDEX metadata_document ON metadata_entry(document_id);
                    CREATE TABLE shard (
                        shard INTEGER PRIMARY KEY,
                        version INTEGER NOT NULL DEFAULT 0,
                        indexed_version INTEGER
                    );
                    """)
        }
        migrator.registerMigration("v2-lexical") { db in
            // The lexical index: one FTS5 row per chunk (rowid = chunk id), three term columns written by
            // a TermAnalyzer as space-separated terms. `ascii` splits only on ASCII non-alphanumerics,
            // which no analyzer term contains, so FTS5 never re-tokenises a term; `content=''` keeps no
            // copy of the terms (the stored text is their source). `detail=full` (positions) because
            // bm25() needs each term's count in a row, which FTS5 without positions recomputes from the
            // content, and a contentless table has none: every score would be 0. The manifest's `lexical_analyzer` names the
            // analyzer the rows were written by; absent, as after this migration on an existing
            // collection, means "not built": the next writable open or `glossa rebuild` builds it.
            try db.execute(
                sql: """
                    CREATE VIRTUAL TABLE lexical USING fts5(
                        words, bigrams, pieces, content='', tokenize='ascii', detail='full');
                    """)
        }
        return migrator
    }
}
