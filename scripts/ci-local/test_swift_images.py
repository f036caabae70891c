"""Unit tests of swift_images.py (the templates' Swift images against the toolchain), and
the shipped templates against this machine's `swift --version`.
Run: python3 -m unittest test_swift_images (CILocalExecutorTests runs it with the unit tests)."""
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import swift_images  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))
TEMPLATES = [os.path.join(ROOT, "pipelines/ci", n) for n in ("github-actions.yml", "gitlab-ci.yml")]


class SwiftImages(unittest.TestCase):
    def template(self, text):
        f = tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False)
        f.write(text)
        f.close()
        self.addCleanup(os.unlink, f.name)
        return f.name

    def test_version_from_swift_version(self):
        self.assertEqual(swift_images.toolchain_version("Swift version 6.3.1 (swift-6.3.1-RELEASE)\nTarget: x"), "6.3.1")
        self.assertEqual(swift_images.toolchain_version("Apple Swift version 6.3 (swiftlang-6.3)"), "6.3.0")
        with self.assertRaises(SystemExit):
            swift_images.toolchain_version("bash: swift: command not found")

    def test_exact_tag_passes_every_form(self):
        path = self.template("a:\n  container: swift:6.3.1-bookworm\nb:\n  image: 'swift:6.3.1-noble'\n"
                             "c:\n  image:\n    name: \"swift:6.3.1-bookworm\"\n")
        self.assertEqual(swift_images.check("6.3.1", [path]), ([], 3))

    def test_other_or_floating_version_fails(self):
        path = self.template("a:\n  container: swift:6.1-bookworm\nb:\n  image: swift:6.3-bookworm\n"
                             "c:\n  image: swift:6.3.10-bookworm\n")
        problems, seen = swift_images.check("6.3.1", [path])
        self.assertEqual(seen, 3)
        self.assertEqual(len(problems), 3, problems)
        self.assertIn(":2: swift:6.1-bookworm", problems[0])

    def test_comments_do_not_count_and_no_image_fails(self):
        path = self.template("# image: swift:6.1-bookworm\na:\n  image: debian:12  # not swift:6.1\n")
        problems, seen = swift_images.check("6.3.1", [path])
        self.assertEqual(seen, 0)
        self.assertEqual(len(problems), 1)
        self.assertIn("names no swift:X.Y.Z image", problems[0])

    def test_shipped_templates_match_this_toolchain(self):
        version = subprocess.run(["swift", "--version"], capture_output=True, text=True, check=True)
        out = version.stdout + version.stderr
        problems, seen = swift_images.check(swift_images.toolchain_version(out), TEMPLATES)
        self.assertEqual(problems, [])
        self.assertGreater(seen, 2)


if __name__ == "__main__":
    unittest.main()
