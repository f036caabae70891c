import Foundation
import Gate
import KGateCore
import Testing
import TestSupport
@testable import Artifacts
@testable import Measurement
@testable import Pipeline

@Suite(.tags(.unit)) struct BisectLogicTests {
    let gate = GateConfig(threshold: 0.02, direction: .higherIsBetter, minTrials: 8, maxTrials: 16, step: 4)
    let good = [2.90, 2.91, 2.92, 2.905, 2.915, 2.90, 2.91, 2.92]
    let bad = [2.60, 2.61, 2.62, 2.605, 2.615, 2.60, 2.61, 2.62]

    @Test func endpointsAtTenPercentAreARegression() {
        let c = BisectClassifier(gate: gate, good: good, bad: bad)
        #expect(c.endpoints().verdict?.outcome == .regression)
        #expect(abs(c.badEffect + 0.1033) < 0.002)
    }

    @Test func endpointsThatAreAlikeAreNotARegression() {
        let c = BisectClassifier(gate: gate, good: good, bad: good.map { $0 * 1.001 })
        #expect(c.endpoints().verdict?.outcome != .regression)
    }

    @Test func stepsCloseToAnEndpointTakeItsSide() {
        let c = BisectClassifier(gate: gate, good: good, bad: bad)
        #expect(c.classify([2.91, 2.90, 2.92, 2.915, 2.905, 2.90, 2.912, 2.918]).classification == .good)
        #expect(c.classify([2.61, 2.60, 2.62, 2.605, 2.612, 2.604, 2.618, 2.601]).classification == .bad)
        // Halfway, or too few trials to bound the interval at the gate's level: unclear.
        #expect(c.classify([2.76, 2.75, 2.77, 2.755, 2.762, 2.751, 2.768, 2.759]).classification == nil)
        #expect(c.classify([2.91, 2.90, 2.92]).classification == nil)
        #expect(c.classify([2.9]).classification == nil)
    }

    @Test func latencyDirectionIsFollowed() {
        let lat = GateConfig(threshold: 0.02, direction: .lowerIsBetter, minTrials: 8, maxTrials: 16, step: 4)
        let goodLatency = [100.0, 101, 99, 100.5, 100.2, 99.8, 100.1, 100.3]
        let badLatency = goodLatency.map { $0 * 1.2 }
        let c = BisectClassifier(gate: lat, good: goodLatency, bad: badLatency)
        #expect(c.endpoints().verdict?.outcome == .regression)
        #expect(c.classify([120.0, 121, 119, 120.4, 120.2, 119.6, 120.8, 120.1]).classification == .bad)
        #expect(c.classify([100.0, 100.4, 99.7, 100.2, 100.1, 99.9, 100.3, 99.8]).classification == .good)
    }

    @Test func onlyCommentsDetection() {
        let comments = """
        diff --git a/net/ipv4/tcp.c b/net/ipv4/tcp.c
        --- a/net/ipv4/tcp.c
        +++ b/net/ipv4/tcp.c
        @@ -1,3 +1,4 @@
         #include <net/tcp.h>
        +/* a note */
        -/* old note */
        +
        """
        #expect(Plausibility.onlyComments(comments))
        let code = comments + "+\tx = 1;\n"
        #expect(!Plausibility.onlyComments(code))
        #expect(!Plausibility.onlyComments("diff --git a/x b/x\n--- a/x\n+++ b/x\n"))
    }

    /// Identical images are suspicious only when the sources differ in compiled code.
    @Test func codeChangesAreToldFromCommentsAndOtherFiles() {
        let comment = "diff --git a/net/core/dev.c b/net/core/dev.c\n--- a/net/core/dev.c\n+++ b/net/core/dev.c\n"
            + "@@ -1,1 +1,2 @@\n int x;\n+/* note */\n"
        let loop = "diff --git a/net/ipv4/tcp_input.c b/net/ipv4/tcp_input.c\n--- a/net/ipv4/tcp_input.c\n"
            + "+++ b/net/ipv4/tcp_input.c\n@@ -1,1 +1,2 @@\n int y;\n+\tfor (i = 0; i < 1200; i++) barrier();\n"
        let docs = "diff --git a/Documentation/x.rst b/Documentation/x.rst\n--- a/Documentation/x.rst\n"
            + "+++ b/Documentation/x.rst\n@@ -1 +1 @@\n-old\n+new text\n"
        #expect(!Plausibility.changesCode(comment))
        #expect(!Plausibility.changesCode(docs))
        #expect(Plausibility.changesCode(loop))
        #expect(Plausibility.changesCode(comment + loop))
        #expect(Plausibility.implausible("changes only comments"))
        #expect(!Plausibility.implausible("is a merge commit"))
    }

    @Test func stageClockAddsRepeatedStages() {
        let clock = StageClock(console: Console(interactive: false))
        clock.add("build", 1.5)
        clock.add("trials", 2)
        clock.add("build", 0.5)
        #expect(clock.breakdown.map(\.stage) == ["build", "trials"])
        #expect(clock.breakdown[0].seconds == 2)
        #expect(clock.summary().hasPrefix("stage breakdown: build 2.0 s, trials 2.0 s"))
    }
}
