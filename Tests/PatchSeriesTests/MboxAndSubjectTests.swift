import Foundation
import KGateCore
import Testing
import TestSupport
@testable import PatchSeries

@Suite("mbox splitting", .tags(.unit))
struct MboxTests {
    let text = """
        From mboxrd@z Thu Jan  1 00:00:00 1970
        Subject: one

        >From the start
        >>From quoted
        >>>From deeper
        > From not an escape
        From here on, a body line that is no separator

        From mboxrd@z Thu Jan  1 00:00:00 1970
        Subject: two

        second

        """

    func bodies(_ format: MboxFormat) throws -> [String] {
        try Mbox.split(Data(text.utf8), format: format, origin: "t").map { try MailMessage.parse($0, origin: "t").body }
    }

    @Test func mboxrdUnescapesOneLevel() throws {
        let b = try bodies(.mboxrd)
        #expect(b.count == 2)
        #expect(b[0] == "From the start\n>From quoted\n>>From deeper\n> From not an escape\nFrom here on, a body line that is no separator\n")
        #expect(b[1] == "second\n")
    }

    @Test func mboxoUnescapesOnlySingleLevel() throws {
        let b = try bodies(.mboxo)
        #expect(b[0] == "From the start\n>>From quoted\n>>>From deeper\n> From not an escape\nFrom here on, a body line that is no separator\n")
    }

    @Test func gitFormatPatchSeparatorAndCRLF() throws {
        let crlf = "From 1234abcd Mon Sep 17 00:00:00 2001\r\nSubject: a\r\n\r\nx\r\n\r\nFrom 5678 Mon Sep 17 00:00:00 2001\r\nSubject: b\r\n\r\ny\r\n"
        let parts = try Mbox.split(Data(crlf.utf8), format: .mboxrd, origin: "c")
        #expect(parts.count == 2)
        #expect(try MailMessage.parse(parts[0], origin: "c").body == "x\n")
        #expect(try MailMessage.parse(parts[1], origin: "c").subject == "b")
    }

    @Test func singleMailWithoutFromLine() throws {
        let parts = try Mbox.split(Data("\n\nSubject: s\n\nFrom me\n".utf8), format: .mboxrd, origin: "e")
        #expect(parts.count == 1)
        #expect(try MailMessage.parse(parts[0], origin: "e").body == "From me\n")
    }

    @Test func boundsAndEmptyInput() throws {
        let many = String(repeating: "From x Thu Jan  1 00:00:00 1970\nSubject: s\n\nb\n\n", count: 11)
        let error = try #require(throws: KGateError.self) { try Mbox.split(Data(many.utf8), format: .mboxrd, maxMessages: 10, origin: "m") }
        #expect(error.what.contains("more than 10 messages"))
        #expect(try Mbox.split(Data(many.utf8), format: .mboxrd, maxMessages: 11, origin: "m").count == 11)
        #expect(throws: KGateError.self) { try Mbox.split(Data("\n\n".utf8), format: .mboxrd, origin: "empty") }
    }
}

@Suite("b4 subject parsing", .tags(.unit))
struct SubjectTests {
    @Test func netNextV3() {
        let s = SubjectInfo.parse("[PATCH net-next v3 02/10] tcp: foo bar")
        #expect(s.isPatch && !s.isReply && !s.isRFC && !s.isResend)
        #expect(s.revision == 3 && s.counter == 2 && s.expected == 10)
        #expect(s.prefixes == ["net-next"])
        #expect(s.subject == "tcp: foo bar")
    }

    @Test func rfcAndResendAndDefaults() {
        let rfc = SubjectInfo.parse("[RFC PATCH 1/2] mm: x")
        #expect(rfc.isRFC && rfc.revision == 1 && rfc.counter == 1 && rfc.expected == 2)
        let resend = SubjectInfo.parse("[PATCH RESEND v2] net: y")
        #expect(resend.isResend && resend.revision == 2 && resend.counter == nil)
        let lone = SubjectInfo.parse("[PATCH] z")
        #expect(lone.isPatch && lone.revision == 1 && lone.counter == nil && lone.subject == "z")
        let glued = SubjectInfo.parse("[PATCHv4 0/3] cover")
        #expect(glued.isPatch && glued.revision == 4 && glued.counter == 0)
        let split = SubjectInfo.parse("[RFC][PATCH v2 3/5] two brackets")
        #expect(split.isRFC && split.revision == 2 && split.counter == 3 && split.subject == "two brackets")
        let comma = SubjectInfo.parse("[PATCH bpf-next,v5,1/1] comma separated")
        #expect(comma.revision == 5 && comma.counter == 1 && comma.prefixes == ["bpf-next"])
    }

    @Test func replies() {
        let r = SubjectInfo.parse("Re: [PATCH net-next v3 02/10] tcp: foo")
        #expect(r.isReply && r.isPatch && r.counter == 2 && r.subject == "tcp: foo")
        let rr = SubjectInfo.parse("RE: Re:  [PATCH] x")
        #expect(rr.isReply && rr.subject == "x")
        let tag = SubjectInfo.parse("[netdev] Re: [PATCH v2] y")
        #expect(tag.isReply && tag.revision == 2 && tag.prefixes == ["netdev"])
        #expect(!SubjectInfo.parse("plain subject").isPatch)
    }
}
