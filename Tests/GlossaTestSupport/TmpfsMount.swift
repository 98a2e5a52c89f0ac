// A size-limited tmpfs for fault tests (disk full, read-only media): mounted on a fresh temporary folder,
// remountable read-only, unmounted by the test. Needs root; without it the tests skip with that reason,
// and under CI=true they fail instead (TestLocations.isCI).
public import Foundation

/// One mounted tmpfs. Call `unmount()` when done (also after a failed expectation: use `defer`).
public final class TmpfsMount {
    /// The mount point.
    public let url: URL

    /// Whether this process may mount (root).
    public static var available: Bool { getuid() == 0 }

    /// For `.enabled(if:)`: run as root, and always under CI (where a missing privilege must fail the run).
    public static var testsEnabled: Bool { available || TestLocations.isCI }

    /// Mounts a tmpfs of `size` (mount(8) syntax: "600k", "4m") on a new temporary folder.
    public init(size: String) throws {
        guard Self.available else { throw MountError.notRoot }
        url = FileManager.default.temporaryDirectory.appendingPathComponent("glossa-tmpfs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        try Self.run(["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", url.path])
    }

    /// Remounts read-only (`readOnly`) or read-write; files stay as they are.
    public func remount(readOnly: Bool) throws {
        try Self.run(["-o", "remount,\(readOnly ? "ro" : "rw")", url.path])
    }

    /// Unmounts and removes the mount point; safe to call twice.
    public func unmount() {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/umount")
        process.arguments = [url.path]
        // Best effort: the folder may already be unmounted.
        try? process.run()
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: url)
    }

    public enum MountError: Error, CustomStringConvertible {
        case notRoot
        case failed(arguments: [String], status: Int32)

        public var description: String {
            switch self {
            case .notRoot: return "mounting a tmpfs needs root; run the fault tests as root (CI does)"
            case .failed(let arguments, let status):
                return "mount \(arguments.joined(separator: " ")) exited with \(status)"
            }
        }
    }

    private static func run(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/mount")
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw MountError.failed(arguments: arguments, status: process.terminationStatus) }
    }
}
