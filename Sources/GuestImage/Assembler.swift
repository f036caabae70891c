import Foundation
import KGateCore

/// Turns a recipe into archive entries: reads every input file, resolves
/// library closures, lists busybox applets, adds missing parent directories.
/// Later recipe lines win over earlier ones for the same guest path.
enum ImageAssembler {
    static let inputLimit = 256 << 20

    /// With `compile` false, a `compile` line contributes its C source instead of the
    /// compiled helper: enough for the content hash, so a cached image needs no compiler.
    static func entries(for recipe: Recipe, compile: Bool = true) throws -> [CpioEntry] {
        var byPath: [String: CpioEntry] = [:]
        var order: [String] = []
        func add(_ e: CpioEntry) {
            if byPath[e.path] == nil { order.append(e.path) }
            byPath[e.path] = e
        }
        func read(_ url: URL, _ what: String) throws -> Data {
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw KGateError.infrastructure("\(what) \(url.path) named by the recipe does not exist", location: recipe.url.path,
                                                fix: HostRequirements.fix(forTool: url.lastPathComponent))
            }
            return try readBoundedFile(url.resolvingSymlinksInPath(), limit: inputLimit, what: what)
        }
        for item in recipe.items {
            switch item {
            case .binary(let source, let destination):
                let closure = try LibraryClosure.resolve(recipe.resolveSource(source))
                for (i, file) in closure.enumerated() {
                    let path = i == 0 ? destination : try ArchivePath.normalize(file.guestPath)
                    let isLibrary = i > 0 && !file.guestPath.contains("/ld-linux")
                    add(CpioEntry(path: path, kind: .file(try read(file.hostFile, "library")), permissions: isLibrary ? 0o644 : 0o755))
                }
            case .busybox(let source):
                let url = recipe.resolveSource(source)
                let data = try read(url, "busybox")
                add(CpioEntry(path: "bin/busybox", kind: .file(data), permissions: 0o755))
                for applet in try applets(url) where applet != "bin/busybox" {
                    add(CpioEntry(path: applet, kind: .symlink("/bin/busybox"), permissions: 0o777))
                }
            case .file(let source, let destination, let mode):
                add(CpioEntry(path: destination, kind: .file(try read(recipe.resolveSource(source), "file")), permissions: mode))
            case .directory(let path, let mode):
                add(CpioEntry(path: path, kind: .directory, permissions: mode))
            case .symlink(let target, let link):
                add(CpioEntry(path: link, kind: .symlink(target), permissions: 0o777))
            case .node(let path, let mode, let isBlock, let major, let minor):
                add(CpioEntry(path: path, kind: isBlock ? .blockDevice(major: major, minor: minor)
                                : .characterDevice(major: major, minor: minor), permissions: mode))
            case .compile(let source, let destination):
                let url = recipe.resolveSource(source)
                let text = try read(url, "C source")
                let bytes = compile ? try HelperCompiler.compile(url, recipe: recipe.url)
                    : Data(("kgate-cc " + HelperCompiler.flags.joined(separator: " ") + "\n").utf8) + text
                add(CpioEntry(path: destination, kind: .file(bytes), permissions: 0o755))
            case .initScript(let source):
                add(CpioEntry(path: "init", kind: .file(try read(recipe.resolveSource(source), "init script")), permissions: 0o755))
            }
        }
        for path in order {
            for parent in ArchivePath.parents(path) where byPath[parent] == nil {
                order.append(parent)
                byPath[parent] = CpioEntry(path: parent, kind: .directory, permissions: 0o755)
            }
        }
        return order.compactMap { byPath[$0] }
    }

    /// Applet paths from `busybox --list-full` ("usr/bin/base64"), validated.
    static func applets(_ busybox: URL) throws -> [String] {
        let r = try ProcessRunner.run(busybox.path, ["--list-full"], timeout: 30)
        guard r.succeeded else {
            throw KGateError.infrastructure("\(busybox.path) --list-full failed (\(r.exitCode))",
                                            fix: "apt-get install -y busybox-static", excerpt: r.stderr)
        }
        return try r.stdout.split(separator: "\n").map { try ArchivePath.normalize(String($0)) }.sorted()
    }
}
