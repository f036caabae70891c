import Foundation
import KGateCore
import Testing
import TestSupport
@testable import PatchSeries

@Suite("RFC 2822 / 2047 / MIME parsing", .tags(.unit))
struct MailParsingTests {
    @Test func encodedWordsBandQ() {
        #expect(MIME.decodeEncodedWords("=?UTF-8?B?Wm/DqyDDnG5hbA==?=") == "Zoë Ünal")
        #expect(MIME.decodeEncodedWords("=?utf-8?q?J=C3=B6rg_M=C3=BCller?=") == "Jörg Müller")
        #expect(MIME.decodeEncodedWords("=?ISO-8859-1?Q?caf=E9?=") == "café")
        #expect(MIME.decodeEncodedWords("=?iso-8859-1?b?Y2Fm6Q==?=") == "café")
        // RFC 2231 language tag.
        #expect(MIME.decodeEncodedWords("=?UTF-8*en?Q?hi?=") == "hi")
    }

    @Test func adjacentEncodedWordsJoinWithoutTheirWhitespace() {
        #expect(MIME.decodeEncodedWords("=?UTF-8?Q?a?= =?UTF-8?Q?b?=") == "ab")
        #expect(MIME.decodeEncodedWords("=?UTF-8?Q?a?=\n\t=?UTF-8?Q?_b?=") == "a b")
        // Whitespace between an encoded word and plain text stays.
        #expect(MIME.decodeEncodedWords("x =?UTF-8?Q?a?= y") == "x a y")
        // Not an encoded word: left alone.
        #expect(MIME.decodeEncodedWords("=?broken") == "=?broken")
        #expect(MIME.decodeEncodedWords("a =?UTF-8?X?zz?= b") == "a =?UTF-8?X?zz?= b")
    }

    @Test func headerFoldingAndFields() throws {
        let m = try mail("""
            From: "Doe, John \\"JD\\"" <john@example.org>
            Subject: [PATCH v2 1/2] a very long
             subject that was
            \tfolded
            Message-ID:
             <abc.123@example.org>
            In-Reply-To: <parent@example.org> (comment)
            References: <root@example.org>
            \t<parent@example.org>
            X-Empty:

            body

            """)
        #expect(m.subject == "[PATCH v2 1/2] a very long subject that was folded")
        #expect(m.from == MailAddress(name: "Doe, John \"JD\"", email: "john@example.org"))
        #expect(m.messageID == "abc.123@example.org")
        #expect(m.inReplyTo == "parent@example.org")
        #expect(m.references == ["root@example.org", "parent@example.org"])
        #expect(m.parentID == "parent@example.org")
        #expect(m.header("x-empty") == "")
        #expect(m.body == "body\n")
    }

    @Test func addressForms() {
        #expect(MailMessage.parseAddress("=?UTF-8?q?J=C3=B6rg?= <j@x.de>") == MailAddress(name: "Jörg", email: "j@x.de"))
        #expect(MailMessage.parseAddress("j@x.de (Jörg M)") == MailAddress(name: "Jörg M", email: "j@x.de"))
        #expect(MailMessage.parseAddress("j@x.de") == MailAddress(name: "", email: "j@x.de"))
        #expect(MailMessage.parseAddress("Plain Name <p@x>") == MailAddress(name: "Plain Name", email: "p@x"))
    }

    @Test func datesWithOffsets() throws {
        let (d1, tz1) = try #require(MailDate.parse("Thu, 2 May 2024 09:15:00 +0200"))
        #expect(tz1 == 120)
        #expect(d1.timeIntervalSince1970 == 1_714_634_100) // 2024-05-02T07:15:00Z
        let (d2, tz2) = try #require(MailDate.parse("2 May 2024 11:30 -0700 (PDT)"))
        #expect(tz2 == -420)
        #expect(d2.timeIntervalSince1970 == 1_714_674_600) // 18:30Z
        let (_, tz3) = try #require(MailDate.parse("Wed, 15 May 2024 18:20:05 +0530"))
        #expect(tz3 == 330)
        let (d4, tz4) = try #require(MailDate.parse("Mon, 1 Jan 01 00:00:00 GMT"))
        #expect(tz4 == 0 && d4.timeIntervalSince1970 == 978_307_200)
        #expect(MailDate.parse("Sat, 29 Feb 2020 23:59:60 EST")?.1 == -300)
        #expect(MailDate.parse("yesterday") == nil)
        #expect(MailDate.parse("32 Jan 2024 00:00 +0000") == nil)
        #expect(MailDate.parse("1 Foo 2024 00:00 +0000") == nil)
        #expect(MailDate.parse("1 Jan 2024 25:00 +0000") == nil)
        #expect(MailDate.parse("1 Jan 2024 10:00 +0099") == nil)
    }

    @Test func unparsableDateIsAnErrorNamingTheMail() throws {
        let m = try mail("From: a@b\nDate: not a date\nSubject: x\n\nbody\n", origin: "x.eml")
        let error = try #require(throws: KGateError.self) { try m.date() }
        #expect(error.what.contains("not a date"))
        #expect(error.location == "x.eml")
    }

    @Test func quotedPrintable() {
        let qp = "caf=E9 =3D soft=\nbreak=\r\nagain, trailing=20\nbad =ZZ kept\n"
        #expect(MIME.decodeQuotedPrintable(Array(qp.utf8)) == Array("caf\u{e9} = softbreakagain, trailing \nbad =ZZ kept\n".unicodeScalars.map { UInt8($0.value) }))
    }

    @Test func base64ToleratesWhitespaceAndRejectsGarbage() {
        #expect(MIME.decodeBase64(Array("aGVs\nbG8=\n".utf8)) == Array("hello".utf8))
        #expect(MIME.decodeBase64(Array("aGVsbG8".utf8)) == Array("hello".utf8))
        #expect(MIME.decodeBase64(Array("a$$$".utf8)) == nil)
    }

    @Test func qpLatin1CRLFMail() throws {
        let data = try Fixtures.data("qp-latin1-crlf.eml")
        #expect(data.contains(0x0d))
        let raw = try Mbox.split(data, format: .mboxrd, origin: "qp")
        #expect(raw.count == 1)
        let m = try MailMessage.parse(raw[0], origin: "qp")
        #expect(m.subject == "[PATCH] tcp_demo: scale for the café benchmark")
        #expect(m.from == MailAddress(name: "Zoë Ünal", email: "zoe@example.com"))
        #expect(m.body.contains("this line is long enough that a mailer folds it"))
        #expect(m.body.contains("Signed-off-by: Zoë Ünal <zoe@example.com>"))
        #expect(m.body.contains("+\treturn x * 3; /* café */\n"))
        #expect(!m.body.contains("\r"))
        #expect(m.body.contains("\n \n")) // the =20-encoded empty context line survived
    }

    @Test func multipartWithXPatchAttachment() throws {
        let m = try MailMessage.parse(Array(try Fixtures.data("multipart-x-patch.eml"))[...], origin: "mp")
        #expect(m.subject == "[RFC PATCH v3] tcp_demo: document the scale factor")
        #expect(m.from?.name == "Wei, Li (Networking)")
        #expect(m.body.hasPrefix("Document the scale factor"))
        #expect(m.body.contains("diff --git a/include/net/tcp_demo.h b/include/net/tcp_demo.h"))
        #expect(!m.body.contains("do not use me")) // text/html skipped
        #expect(!m.body.contains("multi-part message")) // preamble dropped
        #expect(!m.body.contains("epilogue"))
    }

    @Test func malformedInputIsRejectedWithEvidence() throws {
        let e1 = try #require(throws: KGateError.self) { try mail("diff --git a/x b/x\n--- a/x\n", origin: "raw.diff") }
        #expect(e1.what.contains("malformed mail header"))
        #expect(e1.excerpt?.contains("diff --git") == true)
        #expect(e1.location == "raw.diff")
        let e2 = try #require(throws: KGateError.self) { try mail("Content-Type: multipart/mixed\n\nx\n") }
        #expect(e2.what.contains("boundary"))
        let e3 = try #require(throws: KGateError.self) { try mail(" folded first\n\nx\n") }
        #expect(e3.what.contains("continuation"))
        let e4 = try #require(throws: KGateError.self) {
            try mail("Content-Transfer-Encoding: base64\n\n!!!! not base64 !!!!\n")
        }
        #expect(e4.what.contains("base64"))
    }

    @Test func mimeNestingAndHeaderSizeAreBounded() throws {
        var text = ""
        for i in 0..<12 { text += "Content-Type: multipart/mixed; boundary=\"b\(i)\"\n\n--b\(i)\n" }
        text += "\nbody\n"
        let error = try #require(throws: KGateError.self) { try mail(text) }
        #expect(error.what.contains("MIME nesting"))
        let many = String(repeating: "X-A: b\n", count: MailMessage.maxHeaderLines + 1) + "\nbody\n"
        #expect(throws: KGateError.self) { try mail(many) }
    }
}
