#!/usr/bin/env python3
"""Writes link stubs for the macOS system frameworks the provider links, so the
darwin builds link on Linux without Apple's SDK.

    scripts/macos-framework-stubs.py OUT_DIR

What a stub is: a text-based dylib stub (`.tbd`, the format Apple's SDKs ship their
libraries in) that tells the linker a framework's install name and the symbols it
exports. It holds no code: at run time dyld loads the real framework from
`/System/Library/Frameworks`, present on every Mac. The linker needs only the two
facts in it, to write the load command and bind each symbol to its framework
(two-level namespace).

Where the facts come from: the `-sys` crates of Cargo.lock that link a framework
(`#[link(name = "X", kind = "framework")]`, today `security-framework-sys` and
`core-foundation-sys`, pulled in by reqwest's rustls verifier). Every function and
static declared in their `extern "C"` blocks is listed as exported. Listing a symbol
the binary does not use costs nothing; a symbol the binary uses but the stub lacks
fails the link, so a new dependency cannot slip through unnoticed.

Run by scripts/release.sh for the darwin platforms (see docs/development/releasing.md).
"""

import json
import pathlib
import re
import subprocess
import sys

LINK = re.compile(r'link\(\s*name\s*=\s*"([A-Za-z0-9_]+)"\s*,\s*kind\s*=\s*"framework"')
EXTERN_BLOCK = re.compile(r'extern\s+"C"\s*\{(.*?)\n\}', re.S)
DECLARATION = re.compile(r"\b(?:fn|static(?:\s+mut)?)\s+([A-Za-z_][A-Za-z0-9_]*)")
TARGETS = "[ x86_64-macos, arm64-macos ]"


def framework_crates():
    """(framework name, source directory) of every locked package that links one."""
    meta = json.loads(
        subprocess.check_output(
            ["cargo", "metadata", "--locked", "--format-version", "1",
             "--filter-platform", "aarch64-apple-darwin"],
            text=True,
        )
    )
    for package in meta["packages"]:
        src = pathlib.Path(package["manifest_path"]).parent
        if not package["name"].endswith("-sys") or not (src / "src").is_dir():
            continue
        names = set()
        for f in (src / "src").rglob("*.rs"):
            names.update(LINK.findall(f.read_text(errors="replace")))
        for name in names:
            yield name, src / "src"


def exported_symbols(src):
    symbols = set()
    for f in src.rglob("*.rs"):
        for block in EXTERN_BLOCK.finditer(f.read_text(errors="replace")):
            symbols.update(DECLARATION.findall(block.group(1)))
    return symbols


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: macos-framework-stubs.py OUT_DIR")
    out = pathlib.Path(sys.argv[1])
    frameworks = {}
    for name, src in framework_crates():
        frameworks.setdefault(name, set()).update(exported_symbols(src))
    if not frameworks:
        sys.exit("no locked crate links a macOS framework: nothing to stub")
    for name, symbols in sorted(frameworks.items()):
        folder = out / f"{name}.framework"
        folder.mkdir(parents=True, exist_ok=True)
        listed = ",\n                       ".join("_" + s for s in sorted(symbols))
        (folder / f"{name}.tbd").write_text(
            "--- !tapi-tbd\n"
            "tbd-version:     4\n"
            f"targets:         {TARGETS}\n"
            f"install-name:    '/System/Library/Frameworks/{name}.framework/Versions/A/{name}'\n"
            "exports:\n"
            f"  - targets:         {TARGETS}\n"
            f"    symbols:         [ {listed} ]\n"
            "...\n"
        )
        print(f"{name}: {len(symbols)} symbols", file=sys.stderr)


if __name__ == "__main__":
    main()
