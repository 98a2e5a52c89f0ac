// Progress lines for long work (encoding, ingest, evaluation): count, rate and ETA on stderr.
// Throttled so that reporting never costs measurable time in a hot loop.
public import Foundation

/// Prints `label: done/total (rate unit/s, ETA mm:ss)` to standard error at most every `interval`.
///
/// Not thread-safe: call `advance` from one task. Silent when `enabled` is false (tests, `--quiet`).
public final class ProgressReporter {
    private let label: String
    private let unit: String
    private var total: Int?
    private let enabled: Bool
    private let interval: TimeInterval
    private let start = Date()
    private var lastPrint = Date.distantPast
    public private(set) var done = 0

    public init(label: String, unit: String = "items", total: Int? = nil, enabled: Bool = true,
                interval: TimeInterval = 1.0) {
        self.label = label
        self.unit = unit
        self.total = total
        self.enabled = enabled
        self.interval = interval
    }

    /// Sets or changes the expected total (for inputs whose size is known late).
    public func setTotal(_ total: Int) { self.total = total }

    /// Records `count` more units of work and prints a line if the interval has passed.
    public func advance(by count: Int = 1) {
        done += count
        let now = Date()
        if enabled, now.timeIntervalSince(lastPrint) >= interval {
            lastPrint = now
            emit(final: false)
        }
    }

    /// Prints the closing line (always, when enabled).
    public func finish() {
        if enabled { emit(final: true) }
    }

    /// The current line, without printing it (for tests and for servers that log instead).
    public func line() -> String {
        let elapsed = max(Date().timeIntervalSince(start), 1e-9)
        let rate = Double(done) / elapsed
        var text = "\(label): \(done)"
        if let total { text += "/\(total)" }
        text += String(format: " %@ (%.1f %@/s", unit, rate, unit)
        if let total, rate > 0, done < total {
            let eta = Int((Double(total - done) / rate).rounded())
            text += String(format: ", ETA %d:%02d", eta / 60, eta % 60)
        } else {
            text += String(format: ", %.1fs", elapsed)
        }
        return text + ")"
    }

    private func emit(final: Bool) {
        let text = (final ? "" : "\r") + line() + (final ? "\n" : "")
        FileHandle.standardError.write(Data((final ? "\r" + text : text).utf8))
    }
}
