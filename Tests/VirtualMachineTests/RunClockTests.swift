import Foundation
import Testing
import TestSupport
@testable import VirtualMachine

/// Deadlines of deterministic guests count QEMU's CPU, not the wall: a guest that
/// shares the host is slow, not hung; a guest whose QEMU sleeps stalled; a guest
/// whose QEMU waits for a CPU or is stopped was starved by the host.
@Suite(.tags(.unit)) struct RunClockTests {
    /// Feeds observations every `step` seconds of wall with the given CPU and run-queue rates.
    func clock(_ basis: RunClock.Basis, seconds: Double, cpuRate: Double, waitRate: Double = 0,
               stopped: Bool = false, step: Double = 0.5) -> RunClock {
        var c = RunClock(basis: basis)
        var t = 0.0
        while t <= seconds {
            c.observe(wall: t, usage: .init(cpu: t * cpuRate, waited: t * waitRate, stopped: stopped))
            t += step
        }
        return c
    }

    @Test func wallBasisCountsTheWall() {
        let c = clock(.wall, seconds: 100, cpuRate: 0.1)
        #expect(c.exceeded(90)?.contains("of wall") == true)
        #expect(c.exceeded(120) == nil)
        #expect(c.stall == nil, "a real-time guest may idle")
        #expect(!c.starved(90))
    }

    @Test func aSharedHostSlowsADeterministicGuestWithoutCuttingItShort() {
        // Four guests on one core: a quarter of a CPU each, 300 s of wall.
        let c = clock(.cpu, seconds: 300, cpuRate: 0.25, waitRate: 0.75)
        #expect(c.exceeded(100) == nil, "75 s of CPU is within a 100 s deadline")
        #expect(c.stall == nil)
        #expect(c.exceeded(70)?.contains("of CPU") == true)
        #expect(!c.starved(70), "over its CPU deadline the guest itself took too long")
    }

    @Test func theWallBackstopIsTheHostsFault() {
        let c = clock(.cpu, seconds: 500, cpuRate: 0.05, waitRate: 0.95)
        let why = c.exceeded(100)
        #expect(why?.contains("starved") == true, "\(why ?? "")")
        #expect(c.starved(100))
    }

    @Test func aSleepingQEMUIsAStalledGuest() {
        var c = clock(.cpu, seconds: 30, cpuRate: 1)
        var t = 30.5
        while t <= 95 { c.observe(wall: t, usage: .init(cpu: 30.2, waited: 0)); t += 0.5 }
        let why = c.stall
        #expect(why?.contains("stalled") == true, "\(why ?? "")")
        #expect(!c.starved(300), "a stall is the guest's")
        #expect(c.exceeded(300) == nil)
    }

    @Test func noStallBeforeAWholeWindow() {
        var c = clock(.cpu, seconds: 10, cpuRate: 1)
        c.observe(wall: 50, usage: .init(cpu: 10, waited: 0))
        #expect(c.stall == nil)
    }

    @Test func waitingForACPUOrBeingStoppedIsStarvationNotAStall() {
        let waiting = clock(.cpu, seconds: 90, cpuRate: 0.001, waitRate: 0.99)
        #expect(waiting.stall == nil)
        #expect(waiting.exceeded(300)?.contains("waited") == true)
        #expect(waiting.starved(300))
        let stopped = clock(.cpu, seconds: 90, cpuRate: 0, stopped: true)
        #expect(stopped.stall == nil)
        #expect(stopped.exceeded(300)?.contains("stopped") == true)
        #expect(stopped.starved(300))
    }

    @Test func procParsing() throws {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let stat = "4242 (qemu (x86) 1) R 1 4242 4242 0 -1 4194304 10 0 0 0 250 50 0 0 20 0 4 0 100 0 0"
        #expect(RunClock.cpuSeconds(stat: stat) == 300 / ticks)
        #expect(RunClock.cpuSeconds(stat: "garbage") == nil)
        #expect(RunClock.runQueueSeconds(schedstat: "136164264 2500000000 368\n") == 2.5)
        #expect(RunClock.runQueueSeconds(schedstat: "") == nil)
        // This process is alive and has used some CPU.
        let me = try #require(RunClock.usage(pid: getpid()))
        #expect(me.cpu > 0 && !me.stopped)
    }
}
