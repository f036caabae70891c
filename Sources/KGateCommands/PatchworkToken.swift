import Foundation
import KGateCore

/// The patchwork API token, from a file or an environment variable, never the
/// command line (`kgate check --post-patchwork`, `kgate watch`).
func readPatchworkToken(file: String?, environmentVariable: String) throws -> String {
    if let file {
        let data = try readBoundedFile(URL(fileURLWithPath: file), limit: 4096, what: "patchwork token file")
        return String(decoding: data, as: UTF8.self)
    }
    guard let token = ProcessInfo.processInfo.environment[environmentVariable], !token.isEmpty else {
        throw KGateError.usage("no patchwork token: $\(environmentVariable) is not set",
                               fix: "export \(environmentVariable)=<token>, or pass --patchwork-token-file FILE")
    }
    return token
}
