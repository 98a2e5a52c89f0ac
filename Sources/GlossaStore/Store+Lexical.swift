// The lexical index inside the collection database: an FTS5 table with one row per chunk, written in
// the same transaction as the chunks (Store.apply), searched with bm25() over its three term columns,
// rebuilt from the stored text, and checked against a fresh analysis for `verify`.
import Foundation
import GRDB
public import GlossaCore

/// Per-column weights of bm25() (FTS5's own BM25, k1 = 1.2, b = 0.75).
public struct LexicalWeights: Sendable, Equatable {
    public var words: Double
    public var bigrams: Double
    public var pieces: Double

    public init(words: Double, bigrams: Double, pieces: Double) {
        self.words = words
        self.bigrams = bigrams
        self.pieces = pieces
    }

    /// Measured on same-language XQuAD (eval/hybrid.md): words and bigrams count fully, pieces half
    /// (they repeat much of what words already match, and are what matches at all in Thai).
    public static let standard = LexicalWeights(words: 1.0, bigrams: 1.0, pieces: 0.5)
}

/// A chunk and its lexical score (higher is better).
public struct LexicalScore: Sendable, Equatable {
    public var id: Int64
    public var score: Float
}

extension Store {
    /// The manifest key naming the analyzer the lexical rows were written by (absent: not built).
    static let lexicalIdentityKey = "lexical_analyzer"

    /// The identity of the analyzer the lexical index was built by, or nil when it was never built
    /// (a collection from before the lexical index) or was marked stale (a write without an analyzer).
    public func lexicalIdentity() throws -> String? {
        try perform("reading the lexical index state") {
            try writer.read { db in try Self.lexicalIdentity(db) }
        }
    }

    static func lexicalIdentity(_ db: Database) throws -> String? {
        try String.fetchOne(db, sql: "SELECT value FROM manifest WHERE key = ?", arguments: [lexicalIdentityKey])
    }

    /// Whether a write transaction keeps the lexical index up to date: only with the analyzer that built
    /// it. A new, empty collection adopts the analyzer; any other write marks the index stale (it is
    /// rebuilt before the next lexical search can use it), so the index is never silently wrong.
    static func lexicalMaintenance(_ db: Database, analyzer: (any TermAnalyzer)?) throws -> (any TermAnalyzer)? {
        let stored = try lexicalIdentity(db)
        if let analyzer, stored == analyzer.identity { return analyzer }
        let chunks = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM chunk") ?? 0
        if let analyzer, chunks == 0 {
            try db.execute(sql: "INSERT INTO lexical(lexical) VALUES ('delete-all')")
            try setLexicalIdentity(db, analyzer.identity)
            return analyzer
        }
        if stored != nil { try setLexicalIdentity(db, nil) }
        return nil
    }

    static func setLexicalIdentity(_ db: Database, _ identity: String?) throws {
        if let identity {
            try db.execute(
                sql: "INSERT INTO manifest(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                arguments: [lexicalIdentityKey, identity])
        } else {
            try db.execute(sql: "DELETE FROM manifest WHERE key = ?", arguments: [lexicalIdentityKey])
        }
    }

    /// The text a chunk's terms are made of: what was embedded, "title body" when there is a title.
    /// Public so that a caller analysing chunks off the writer thread (`NewChunk.terms`) uses the same text.
    public static func chunkText(title: String?, text: String, start: Int, end: Int) -> String {
        let utf8 = Array(text.utf8)
        let span = max(0, min(start, utf8.count))..<max(0, min(end, utf8.count))
        let body = String(decoding: utf8[span], as: UTF8.self)
        return title.map { $0 + " " + body } ?? body
    }

    /// Inserts (or, with `delete`, removes) one chunk's row. A contentless FTS5 table forgets a row only
    /// when given exactly the terms it was written with, which the same analyzer on the same stored text
    /// gives back (its identity is checked before any write, see `lexicalMaintenance`).
    static func writeLexical(_ db: Database, chunkID: Int64, terms: LexicalTerms, delete: Bool = false) throws {
        let sql = delete
            ? "INSERT INTO lexical(lexical, rowid, words, bigrams, pieces) VALUES ('delete', ?, ?, ?, ?)"
            : "INSERT INTO lexical(rowid, words, bigrams, pieces) VALUES (?, ?, ?, ?)"
        let statement = try RawStatement(db, sql: sql)
        statement.bind(1, chunkID)
        // Each column's terms joined by single spaces in one buffer, reused: SQLite copies it at bind time.
        var joined: [UInt8] = []
        joined.reserveCapacity(1024)
        for (position, column) in [(Int32(2), terms.words), (3, terms.bigrams), (4, terms.pieces)] {
            joined.removeAll(keepingCapacity: true)
            for (i, term) in column.enumerated() {
                if i > 0 { joined.append(0x20) }
                joined.append(contentsOf: term.utf8)
            }
            joined.withUnsafeBufferPointer { statement.bind(position, utf8: $0) }
        }
        try statement.run()
    }

    /// Removes the lexical rows of every chunk of document `documentID` (before its text changes).
    static func removeLexical(_ db: Database, documentID: Int64, analyzer: any TermAnalyzer) throws {
        let rows = try Row.fetchAll(
            db,
            sql: "SELECT c.id, c.start, c.\"end\", d.title, d.text FROM chunk c JOIN document d ON d.id = c.document_id "
                + "WHERE c.document_id = ?",
            arguments: [documentID])
        for row in rows {
            let text = chunkText(title: row["title"], text: row["text"], start: row["start"], end: row["end"])
            try writeLexical(db, chunkID: row["id"], terms: try analyzer.terms(of: text), delete: true)
        }
    }

    // MARK: - Rebuild

    /// Rebuilds the whole lexical index from the stored text with `analyzer`, in one transaction, and
    /// records the analyzer. `progress(done, total)` is called every 1,024 chunks and at the end.
    public func rebuildLexical(analyzer: any TermAnalyzer, progress: (_ done: Int, _ total: Int) -> Void = { _, _ in })
        throws
    {
        try perform("rebuilding the lexical index") {
            try writer.write { db in
                try db.execute(sql: "INSERT INTO lexical(lexical) VALUES ('delete-all')")
                let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM chunk") ?? 0
                let rows = try Row.fetchCursor(
                    db,
                    sql: "SELECT c.id, c.start, c.\"end\", d.title, d.text FROM chunk c "
                        + "JOIN document d ON d.id = c.document_id ORDER BY c.id")
                var done = 0
                while let row = try rows.next() {
                    let text = Self.chunkText(title: row["title"], text: row["text"], start: row["start"], end: row["end"])
                    try Self.writeLexical(db, chunkID: row["id"], terms: try analyzer.terms(of: text))
                    done += 1
                    if done % 1_024 == 0 { progress(done, total) }
                }
                try Self.setLexicalIdentity(db, analyzer.identity)
                progress(done, total)
            }
        }
    }

    // MARK: - Search

    /// The `limit` best chunks for `query` by bm25() with `weights`, best first (ties by smaller id),
    /// matching ANY of the query's terms (OR). With filters, only chunks whose document matches every
    /// filter exactly. An empty query matches nothing. Terms are bound as one MATCH string built by
    /// `matchExpression`, in which every term is a quoted string: no FTS5 syntax reaches the query.
    public func lexicalSearch(_ query: LexicalTerms, weights: LexicalWeights = .standard, limit: Int,
                              filters: [(key: String, value: String)] = []) throws -> [LexicalScore]
    {
        guard let expression = Self.matchExpression(query), limit > 0 else { return [] }
        let (clauses, filterArguments) = Self.metadataClauses(filters)
        var sql = "SELECT lexical.rowid AS id, -bm25(lexical, ?, ?, ?) AS score FROM lexical"
        if !clauses.isEmpty { sql += " JOIN chunk c ON c.id = lexical.rowid" }
        sql += " WHERE lexical MATCH ?"
        for clause in clauses { sql += " AND " + clause }
        sql += " ORDER BY score DESC, lexical.rowid LIMIT ?"
        var arguments: [any DatabaseValueConvertible] = [weights.words, weights.bigrams, weights.pieces, expression]
        arguments += filterArguments
        arguments.append(limit)
        return try perform("searching the lexical index") {
            try writer.read { db in
                try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map {
                    LexicalScore(id: $0["id"], score: Float($0["score"] as Double))
                }
            }
        }
    }

    /// `words:"a" OR words:"b" OR bigrams:"東京" OR bigrams:"東"* OR pieces:"123"`, each distinct term
    /// once, or nil when there is no term. A term is wrapped in double quotes with inner quotes doubled
    /// (FTS5's string syntax), so operators, column names and parentheses in it are plain text. A
    /// one-character bigram term (a lone Han, kana or Hangul character in the query) is a prefix query:
    /// it matches that character inside the indexed bigrams.
    static func matchExpression(_ query: LexicalTerms) -> String? {
        var parts: [String] = []
        func add(_ column: String, _ terms: [String], prefixForSingle: Bool = false) {
            var seen = Set<String>()
            for term in terms where !term.isEmpty && seen.insert(term).inserted {
                let quoted = "\"" + term.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                let prefix = prefixForSingle && term.unicodeScalars.count == 1
                parts.append(column + ":" + quoted + (prefix ? "*" : ""))
            }
        }
        add("words", query.words)
        add("bigrams", query.bigrams, prefixForSingle: true)
        add("pieces", query.pieces)
        return parts.isEmpty ? nil : parts.joined(separator: " OR ")
    }

    // MARK: - Verify

    /// Every chunk id that has a lexical row, ascending (the FTS5 table's own row list).
    public func lexicalChunkIDs() throws -> [Int64] {
        try perform("listing the lexical index") {
            try writer.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM lexical_docsize ORDER BY id") }
        }
    }

    /// Differences between the lexical index and a fresh analysis of the stored text with `analyzer`:
    /// FTS5's integrity check, then the (term, column, chunks, occurrences) vocabulary of both, compared
    /// in a scratch in-memory database that attaches this one (so a read-only collection can be checked;
    /// it then skips the integrity check, which FTS5 runs as an INSERT). Empty means they agree. Reads
    /// every chunk's text once and writes nothing to the collection.
    public func lexicalDifferences(analyzer: any TermAnalyzer, limit: Int = 5) throws -> [String] {
        try perform("checking the lexical index") {
            if path == ":memory:" {
                return try writer.writeWithoutTransaction { db in
                    try Self.compareLexical(db, schema: "main", analyzer: analyzer, limit: limit)
                }
            }
            let scratch = try DatabaseQueue()
            return try scratch.writeWithoutTransaction { db in
                try db.execute(sql: "ATTACH DATABASE ? AS collection", arguments: [attachablePath])
                defer { try? db.execute(sql: "DETACH DATABASE collection") }
                return try Self.compareLexical(db, schema: "collection", analyzer: analyzer, limit: limit)
            }
        }
    }

    private static func compareLexical(_ db: Database, schema: String, analyzer: any TermAnalyzer, limit: Int)
        throws -> [String]
    {
        var problems: [String] = []
        do {
            try db.execute(sql: "INSERT INTO \(schema).lexical(lexical) VALUES ('integrity-check')")
        } catch let error as DatabaseError {
            // FTS5 runs its integrity check as an INSERT, which a read-only database refuses: skipped there
            // (the vocabulary comparison below still runs).
            if error.resultCode != .SQLITE_READONLY {
                problems.append("the FTS5 integrity check failed: \(error.message ?? "\(error.resultCode)")")
            }
        }
        try db.execute(
            sql: """
                DROP TABLE IF EXISTS temp.lexical_expected;
                CREATE VIRTUAL TABLE temp.lexical_expected USING fts5(
                    words, bigrams, pieces, content='', tokenize='ascii', detail='full');
                """)
        defer { try? db.execute(sql: "DROP TABLE IF EXISTS temp.lexical_expected") }
        let rows = try Row.fetchCursor(
            db,
            sql: "SELECT c.id, c.start, c.\"end\", d.title, d.text FROM \(schema).chunk c "
                + "JOIN \(schema).document d ON d.id = c.document_id ORDER BY c.id")
        let insert = try db.makeStatement(
            sql: "INSERT INTO temp.lexical_expected(rowid, words, bigrams, pieces) VALUES (?, ?, ?, ?)")
        while let row = try rows.next() {
            let text = chunkText(title: row["title"], text: row["text"], start: row["start"], end: row["end"])
            let terms = try analyzer.terms(of: text)
            try insert.execute(arguments: [
                row["id"] as Int64, terms.words.joined(separator: " "), terms.bigrams.joined(separator: " "),
                terms.pieces.joined(separator: " "),
            ])
        }
        try db.execute(
            sql: """
                CREATE VIRTUAL TABLE temp.lexical_vocab USING fts5vocab(\(schema), lexical, 'col');
                CREATE VIRTUAL TABLE temp.lexical_expected_vocab USING fts5vocab(temp, lexical_expected, 'col');
                """)
        defer {
            try? db.execute(sql: "DROP TABLE IF EXISTS temp.lexical_vocab; DROP TABLE IF EXISTS temp.lexical_expected_vocab")
        }
        let differing = try Row.fetchAll(
            db,
            sql: """
                SELECT term, col, SUM(n) AS have, SUM(e) AS want, SUM(nc) AS have_count, SUM(ec) AS want_count FROM (
                    SELECT term, col, doc AS n, 0 AS e, cnt AS nc, 0 AS ec FROM temp.lexical_vocab
                    UNION ALL SELECT term, col, 0, doc, 0, cnt FROM temp.lexical_expected_vocab)
                GROUP BY term, col HAVING have != want OR have_count != want_count ORDER BY col, term
                """)
        if !differing.isEmpty {
            let examples = differing.prefix(limit).map { row -> String in
                let term: String = row["term"], column: String = row["col"]
                let have: Int = row["have"], want: Int = row["want"]
                return "\(column):'\(term)' in \(have) chunks, expected \(want)"
            }
            problems.append("\(differing.count) terms are indexed differently from the stored text (e.g. "
                + examples.joined(separator: "; ") + ")")
        }
        return problems
    }
}
