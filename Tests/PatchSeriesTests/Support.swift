import Foundation
@testable import PatchSeries

enum Fixtures {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static func url(_ name: String) -> URL { dir.appendingPathComponent(name) }
    static func data(_ name: String) throws -> Data { try Data(contentsOf: url(name)) }
}

/// Parses one mail given as text (LF line ends unless the text has CRLF).
func mail(_ text: String, origin: String = "test") throws -> MailMessage {
    try MailMessage.parse(Array(text.utf8)[...], origin: origin)
}

/// A suite of `Fixtures/intake/` cases: `load` assembles one fixture as `kgate series show` does.
protocol IntakeFixtures {}

extension IntakeFixtures {
    var loader: SeriesLoader { SeriesLoader() }
    func load(_ name: String) throws -> Series { try loader.load(source: Fixtures.url("intake/" + name).path) }
}
