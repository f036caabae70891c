import KGateCommands

@main
enum Entry {
    static func main() {
        KGate.main()
    }
}
