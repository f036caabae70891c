import Foundation
import KGateCore

/// How kernel objects are compiled: through kgate's compiler cache, or plainly
/// (a clean verification build, `kgate build --verify`).
///
/// The cache must be correct by construction: an object is taken from it only
/// when everything the compiler reads is in the hash. ccache's depend mode
/// (kgate until builder version 1) hashed the source and the `-MMD` header list;
/// an assembler `.incbin` (arch/x86/boot/compressed/piggy.S embeds the compressed
/// kernel, realmode/rmpiggy.S the trampoline, kernel/configs.c the config) is in
/// neither, so a revision whose generated `piggy.S` happened to be textually
/// identical to another's got that revision's kernel (issue 12). The rules now:
///
/// - only a C translation unit compiled with `-c` goes through ccache; assembler
///   sources (`.S`, `.s`), linking and compiler probes run the compiler itself
///   (`kgate-cc`);
/// - ccache runs in preprocessor mode (no direct or depend mode): the key is the
///   whole preprocessed text, so headers the dependency list omits, a header that
///   appears earlier in the include path or a `__has_include` that changes its
///   answer all change the key; a miss compiles the original source (compiling
///   the preprocessed text instead, `run_second_cpp` off, saved a preprocessor
///   run but gave 4 warnings gcc does not give on the source, from macro
///   expansions it can no longer see);
/// - a unit whose preprocessed text names `.incbin` or `.include` (assembler
///   directives that read a file, e.g. in an `asm()` string) is not cached:
///   `kgate-cpp-scan` fails ccache's preprocessor step, and ccache falls back to
///   an uncached compile (ccache itself detects `.incbin` but not `.include`);
/// - the compiler is identified by the contents of its driver, not its mtime;
///   no inode cache (a cached file hash keyed on inode and times is one more
///   thing that can be wrong); the working directory is hashed whenever debug
///   information is generated (ccache's default), so DWARF never names another
///   object directory; no base dir (see `environment`).
public enum CompilerCache {
    /// Bumped whenever the way objects are compiled or cached changes: it is part
    /// of every config hash, so results and object directories of an older
    /// builder are never reused (they may hold images built from stale objects).
    public static let builderVersion = 4

    static let wrapperName = "kgate-cc"
    static let scannerName = "kgate-cpp-scan"

    static let wrapper = """
    #!/bin/sh
    # kgate-cc: kgate's compiler wrapper, written by kgate (KernelBuild/CompilerCache.swift).
    # Only a C translation unit compiled with -c goes through ccache; assembler
    # sources, preprocessing, linking and probes run the compiler itself.
    compile= csource=
    for a do
      case $a in
        -c) compile=1 ;;
        -E|-S|-M|-MM) exec "$@" ;;
        *.S|*.s|*.sx) exec "$@" ;;
        *.c) csource=1 ;;
      esac
    done
    [ -n "$compile" ] && [ -n "$csource" ] || exec "$@"
    exec ccache "$@"

    """

    static let scanner = """
    #!/bin/sh
    # kgate-cpp-scan: ccache's preprocessor prefix, written by kgate (KernelBuild/CompilerCache.swift).
    # Runs the preprocessor, then refuses the unit (ccache compiles it uncached)
    # when its text names an assembler directive that reads a file.
    "$@" || exit
    out= prev=
    for a do [ "$prev" = -o ] && out=$a; prev=$a; done
    [ -n "$out" ] || exit 98
    if grep -q -e '\\.incbin' -e '\\.include' "$out"; then exit 97; fi
    exit 0

    """

    /// The first build of an object directory compiles through the same wrapper
    /// (the same `CC`, so kbuild's recorded command lines do not change and the
    /// next build stays incremental) with ccache switched off: every unit would be
    /// a miss, and a miss in preprocessor mode preprocesses twice, hashes and
    /// stores the object. Measured (`benchmarks/build.sh`, premerge config, 1081
    /// objects, 2 ABBA rounds, quiet host): a cold build with misses 366 s, +46 %
    /// over plain `make`; without the cache 266 s, +8.4 %. Later builds of the directory use the cache, so
    /// what a revision switch recompiles is stored and a switch back hits; the
    /// cost is that a switch back to a revision of the first build misses once.
    static let firstBuildEnvironment = ["CCACHE_DISABLE": "1"]

    /// The identity of the compile rules, in every config hash.
    public static var identity: String {
        "builder=\(builderVersion) wrappers=\(Digest.sha256Hex(wrapper + scanner).prefix(12))"
    }

    /// Writes the two scripts into `host/cc-<digest>/` of the cache (once) and
    /// returns that directory; it goes first on make's PATH.
    static func install(paths: CachePaths) throws -> URL {
        let dir = paths.host.appendingPathComponent("cc-\(Digest.sha256Hex(wrapper + scanner).prefix(12))")
        let fm = FileManager.default
        if fm.isExecutableFile(atPath: dir.appendingPathComponent(wrapperName).path),
           fm.isExecutableFile(atPath: dir.appendingPathComponent(scannerName).path) {
            return dir
        }
        try CachePaths.ensureDirectory(dir)
        for (name, text) in [(wrapperName, wrapper), (scannerName, scanner)] {
            let target = dir.appendingPathComponent(name)
            let scratch = dir.appendingPathComponent(".\(name).\(UUID().uuidString.prefix(8))")
            do {
                try Data(text.utf8).write(to: scratch)
                try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: scratch.path)
                _ = try? fm.removeItem(at: target)
                try fm.moveItem(at: scratch, to: target)
            } catch {
                try? fm.removeItem(at: scratch)
                throw KGateError.infrastructure("cannot write the compiler wrapper \(name)", location: target.path,
                                                fix: "check permissions and free space of the cache, or pass --cache DIR",
                                                excerpt: "\(error)", cause: error)
            }
        }
        return dir
    }

    /// The ccache settings of a cached build (see the type's rules). No base
    /// dir: ccache would rewrite kbuild's absolute `-I` and `-include` paths to
    /// relative ones, which `-fmacro-prefix-map=<srctree>/=` then no longer
    /// strips, and every `__FILE__` (BUG/WARN tables) would name
    /// `../../worktrees/...` where a plain build says `net/ipv4/tcp_input.c`.
    /// Object directories are per source directory, so absolute paths in the
    /// hash cost no hits within one tree.
    static func environment(paths: CachePaths) -> [String: String] {
        [
            "CCACHE_DIR": paths.ccache.path,
            "CCACHE_NODIRECT": "1",
            "CCACHE_PREFIX_CPP": scannerName,
            "CCACHE_COMPILERCHECK": "content",
            "CCACHE_NOCOMPRESS": "1",
        ]
    }
}
