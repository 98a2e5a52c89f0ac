// Where the default model folder lives: --model beats GLOSSA_MODEL beats Models/multilingual-e5-small.
import Foundation

public enum ModelLocation {
    /// The default model folder, relative to the working directory.
    public static let defaultPath = "Models/multilingual-e5-small"

    /// Resolves the model folder: an explicit path first, then `GLOSSA_MODEL`, then the default.
    public static func resolve(_ explicit: String?) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let env = ProcessInfo.processInfo.environment["GLOSSA_MODEL"], !env.isEmpty { return env }
        return defaultPath
    }
}
