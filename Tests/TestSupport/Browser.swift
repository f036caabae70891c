import Foundation
import KGateCore

/// Headless Chromium (Debian's `chromium`), to see a page as a person would:
/// the DOM after parsing and layout, and a screenshot.
public enum Browser {
    /// The page's DOM as Chromium built it (`--dump-dom`).
    public static func dumpDOM(_ page: URL) throws -> String {
        let r = try run(page, ["--dump-dom"])
        return r.stdout
    }

    /// A PNG screenshot of the page; returns its size in bytes.
    @discardableResult
    public static func screenshot(_ page: URL, to png: URL, width: Int = 820, height: Int = 1400) throws -> Int {
        _ = try run(page, ["--screenshot=\(png.path)", "--window-size=\(width),\(height)", "--hide-scrollbars"])
        let size = (try FileManager.default.attributesOfItem(atPath: png.path)[.size] as? Int) ?? 0
        guard size > 0 else { throw KGateError.infrastructure("chromium wrote no screenshot", location: png.path) }
        return size
    }

    private static func run(_ page: URL, _ arguments: [String]) throws -> ProcessResult {
        let profile = try TestEnv.temporaryDirectory("chromium")
        defer { try? FileManager.default.removeItem(at: profile) }
        let r = try ProcessRunner.run("chromium", ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                                   "--user-data-dir=\(profile.path)"] + arguments + [page.absoluteString],
                                      timeout: 120)
        guard r.exitCode == 0 else {
            throw KGateError.infrastructure("chromium failed on \(page.lastPathComponent)", excerpt: String(r.stderr.suffix(2000)))
        }
        return r
    }
}
