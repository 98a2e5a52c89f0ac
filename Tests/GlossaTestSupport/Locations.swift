// Where tests find the real model, the shared goldens and the repo's fixtures.
// Under CI=true a missing model or shared folder is a failure, never a silent skip (STYLE.md).
public import Foundation

public enum TestLocations {
    /// The repository root, found from this file's path (Tests/GlossaTestSupport/Locations.swift).
    public static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared` beside the repo (read-only goldens and evaluation data).
    public static let shared: URL = repoRoot.deletingLastPathComponent().appendingPathComponent("shared")

    /// Tests/Fixtures.
    public static let fixtures: URL = repoRoot.appendingPathComponent("Tests/Fixtures")

    /// The real mE5-small folder: `GLOSSA_MODEL`, else `Models/multilingual-e5-small` in the repo.
    public static var modelFolder: URL {
        if let env = ProcessInfo.processInfo.environment["GLOSSA_MODEL"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return repoRoot.appendingPathComponent("Models/multilingual-e5-small")
    }

    /// True when running under CI, where missing prerequisites must fail the run.
    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// Whether the real model folder is present (config.json and model.safetensors).
    public static var hasModel: Bool {
        let fm = FileManager.default
        return fm.fileExists(atPath: modelFolder.appendingPathComponent("config.json").path)
            && fm.fileExists(atPath: modelFolder.appendingPathComponent("model.safetensors").path)
    }

    /// Whether ../shared/golden is present.
    public static var hasShared: Bool {
        FileManager.default.fileExists(atPath: shared.appendingPathComponent("golden/texts.jsonl").path)
    }

    /// For `.enabled(if:)` traits: run when the prerequisite exists, and always under CI, so that a
    /// missing model or shared folder fails the CI run instead of being skipped.
    public static var modelTestsEnabled: Bool { hasModel || isCI }
    public static var sharedTestsEnabled: Bool { hasShared || isCI }
}
