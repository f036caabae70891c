#!/usr/bin/env python3
"""Checks that every Swift image a CI template names is the toolchain the project is
built and tested with, so the templates cannot drift from it.

  swift_images.py "$(swift --version 2>&1)" TEMPLATE...

Every `swift:TAG` image in the templates (GitHub `container:`, GitLab `image:`, in any
form: a string or `name:`) must be `swift:X.Y.Z-<distribution>` with X.Y.Z the version
`swift --version` printed (an exact tag: `swift:6.3-bookworm` would move to 6.3.2 under
the project's feet). A template with no Swift image at all is an error too (the check
would pass vacuously). Exit 0 when all match, 1 with one line per mismatch.
"""
import re
import sys

IMAGE = re.compile(r"""(?:container|image|name)\s*:\s*["']?(swift:[^\s"'#]+)""")


def toolchain_version(text):
    m = re.search(r"Swift version (\d+\.\d+(?:\.\d+)?)", text)
    if not m:
        raise SystemExit(f"swift_images: no 'Swift version X.Y.Z' in {text[:200]!r}")
    v = m.group(1)
    return v if v.count(".") == 2 else v + ".0"


def check(version, paths):
    problems, seen = [], 0
    for path in paths:
        found = 0
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                for image in IMAGE.findall(line.split("#", 1)[0] if not line.lstrip().startswith("#") else ""):
                    found += 1
                    tag = image.split(":", 1)[1]
                    if not re.fullmatch(re.escape(version) + r"-[a-z0-9.]+", tag):
                        problems.append(f"{path}:{n}: {image} is not swift:{version}-<distribution> "
                                        f"(the toolchain the project is tested with)")
        if not found:
            problems.append(f"{path}: names no swift:X.Y.Z image")
        seen += found
    return problems, seen


def main(argv):
    if len(argv) < 3:
        raise SystemExit(__doc__)
    version = toolchain_version(argv[1])
    problems, seen = check(version, argv[2:])
    for p in problems:
        print(f"swift_images: {p}", file=sys.stderr)
    if problems:
        return 1
    print(f"swift_images: {seen} image(s) are swift:{version}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
