import ArgumentParser
import Foundation
import GuestImage
import KGateCore

/// `kgate image`: guest images (vm-images/guest.recipe).
struct Image: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image", abstract: "Build guest images.", subcommands: [ImageBuild.self])
}

/// `kgate image build [--recipe R]`: builds (or finds cached) the initramfs; prints its path last.
struct ImageBuild: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build the guest initramfs from a recipe (cached by content hash); prints the image path.")

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Image recipe (default: vm-images/guest.recipe).", valueName: "file"))
    var recipe: String?

    func run() throws {
        try reportingErrors(global, verb: "image build") {
            let recipeURL = try recipe.map { URL(fileURLWithPath: $0) } ?? GuestImages.defaultRecipe()
            let image = try GuestImages.build(recipe: recipeURL, paths: global.paths)
            Console.shared.line(String(format: "image: %@ %.1f MiB, %@ in %.2f s", image.hash,
                                       Double(image.bytes) / 1_048_576, image.cached ? "cached" : "built", image.seconds))
            emit(image.url.path)
            return 0
        }
    }
}
