//! Repository rules that the compiler cannot check, checked by unit tests over the
//! source files (read from `CARGO_MANIFEST_DIR`):
//!
//! - the layer graph of the crate documentation ([`crate`]): `tf` and `aliyun` import
//!   no other layer, `server` and `driver` import only `tf`;
//! - every reference in code resolves inside the repository: a cited `.md` file
//!   exists, a section name cited in guillemets is a heading of
//!   `docs/development/api-reference.md`,
//!   and nothing cites sections or seed files of documents kept elsewhere;
//! - the resources' `schema()` builders are formatted by rustfmt (no line over 100
//!   columns, which is what rustfmt leaves behind when it gives up on an expression).

use std::fs;
use std::path::{Path, PathBuf};

/// The repository root (the provider crate is at the top of the workspace).
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file under `dir` (recursively) whose name ends with one of `exts`
/// (an empty `exts` takes every file).
fn files(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            files(&path, exts, out);
        } else if exts.is_empty()
            || exts
                .iter()
                .any(|ext| path.extension().is_some_and(|e| e == *ext))
        {
            out.push(path);
        }
    }
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The Rust sources of one layer: `src/<layer>/` (recursively) and `src/<layer>.rs`.
fn layer_sources(layer: &str) -> Vec<(PathBuf, String)> {
    let src = root().join("src");
    let mut paths = Vec::new();
    let dir = src.join(layer);
    if dir.is_dir() {
        files(&dir, &["rs"], &mut paths);
    }
    let file = src.join(format!("{layer}.rs"));
    if file.is_file() {
        paths.push(file);
    }
    assert!(!paths.is_empty(), "no sources for layer {layer}");
    paths.into_iter().map(|p| (p.clone(), read(&p))).collect()
}

/// The lines of `text` that are code, not comments (`//`, `//!`, `///`).
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with("//"))
        .map(|(i, l)| (i + 1, l))
}

/// Paths by which a file of one layer could reach `target`.
fn paths_to(target: &str) -> [String; 2] {
    [
        format!("crate::{target}"),
        format!("super::super::{target}"),
    ]
}

/// Where `layer` names one of `forbidden` (in code only, or anywhere with
/// `comments_too`): `file:line: text` for each hit.
fn violations(layer: &str, forbidden: &[&str], comments_too: bool) -> Vec<String> {
    let mut found = Vec::new();
    for (path, text) in layer_sources(layer) {
        let lines: Vec<(usize, &str)> = if comments_too {
            text.lines().enumerate().map(|(i, l)| (i + 1, l)).collect()
        } else {
            code_lines(&text).collect()
        };
        for (n, line) in lines {
            for target in forbidden {
                if paths_to(target).iter().any(|p| line.contains(p.as_str())) {
                    found.push(format!("{}:{n}: {}", path.display(), line.trim()));
                }
            }
        }
    }
    found
}

#[test]
fn tf_knows_nothing_of_alibaba() {
    let v = violations("tf", &["aliyun", "resources"], true);
    assert!(
        v.is_empty(),
        "src/tf must not mention these layers:\n{}",
        v.join("\n")
    );
}

#[test]
fn aliyun_knows_nothing_of_terraform() {
    let v = violations("aliyun", &["tf", "driver", "resources", "server"], true);
    assert!(
        v.is_empty(),
        "src/aliyun must not mention these layers:\n{}",
        v.join("\n")
    );
}

#[test]
fn tf_imports_no_upper_layer() {
    let v = violations("tf", &["driver", "server", "docgen"], false);
    assert!(
        v.is_empty(),
        "src/tf imports an upper layer:\n{}",
        v.join("\n")
    );
}

#[test]
fn server_and_driver_import_only_tf() {
    let others = ["aliyun", "resources", "docgen"];
    let mut v = violations("server", &others, false);
    v.extend(violations("server", &["driver"], false));
    v.extend(violations("driver", &others, false));
    v.extend(violations("driver", &["server"], false));
    assert!(
        v.is_empty(),
        "a layer imports outside the documented graph:\n{}",
        v.join("\n")
    );
}

#[test]
fn the_layer_check_sees_an_import() {
    // The checks above pass on empty input too; prove they would catch one.
    let sample = "use crate::aliyun::Client;\n// crate::driver in a comment\n";
    let code: Vec<_> = code_lines(sample).collect();
    assert_eq!(code, vec![(1, "use crate::aliyun::Client;")]);
    assert!(paths_to("aliyun")
        .iter()
        .any(|p| code[0].1.contains(p.as_str())));
    assert!(!violations("resources", &["aliyun"], false).is_empty());
}

/// Source, script and manifest files: everywhere code comments live.
fn commented_files() -> Vec<PathBuf> {
    let root = root();
    let mut out = Vec::new();
    let code = ["rs", "sh", "py", "toml"];
    for dir in [
        "src",
        "tests",
        "emulator/src",
        "emulator/tests",
        "fuzz/fuzz_targets",
        "scripts",
        ".cargo",
    ] {
        files(&root.join(dir), &code, &mut out);
    }
    files(&root.join(".ci"), &[], &mut out);
    for file in [
        "build.rs",
        "Cargo.toml",
        "emulator/Cargo.toml",
        "fuzz/Cargo.toml",
        "fuzz/run.sh",
    ] {
        out.push(root.join(file));
    }
    out
}

/// The `.md` file names cited in `text` (maximal runs of path characters ending
/// in `.md`).
fn cited_markdown(text: &str) -> Vec<&str> {
    let is_path = |c: char| c.is_ascii_alphanumeric() || "_-./".contains(c);
    let mut out = Vec::new();
    for (i, _) in text.match_indices(".md") {
        let end = i + 3;
        if text[end..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            continue; // `.mdx`, `.md_…`: not a markdown file name
        }
        let start = text[..i]
            .char_indices()
            .rev()
            .take_while(|(_, c)| is_path(*c))
            .last()
            .map_or(i, |(j, _)| j);
        if start < i {
            out.push(&text[start..end]);
        }
    }
    out
}

/// The section names cited in `text` (between guillemets).
fn cited_sections(text: &str) -> Vec<&str> {
    let (open, close) = ('\u{ab}', '\u{bb}');
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(open) {
        let after = &rest[i + open.len_utf8()..];
        let Some(j) = after.find(close) else { break };
        out.push(&after[..j]);
        rest = &after[j + close.len_utf8()..];
    }
    out
}

#[test]
fn every_reference_in_code_resolves_inside_the_repository() {
    let root = root();
    let reference = read(&root.join("docs/development/api-reference.md"));
    let headings: Vec<&str> = reference
        .lines()
        .filter_map(|l| l.strip_prefix("## "))
        .collect();
    // Built at run time so this file does not match its own patterns.
    let section_sign = '\u{a7}';
    let seed = ["seed", " 0"].concat();

    let files = commented_files();
    assert!(files.len() > 50, "only {} files found", files.len());
    let mut problems = Vec::new();
    for path in files {
        let text = read(&path);
        let rel = path
            .strip_prefix(&root)
            .unwrap_or(&path)
            .display()
            .to_string();
        for (n, line) in text.lines().enumerate() {
            let at = format!("{rel}:{}", n + 1);
            if line.contains(section_sign) {
                problems.push(format!(
                    "{at}: cites a numbered section of a document: {line}"
                ));
            }
            if line.to_lowercase().contains(&seed) {
                problems.push(format!("{at}: cites a seed file: {line}"));
            }
            for md in cited_markdown(line) {
                let md = md.trim_start_matches("./");
                let candidates = [
                    root.join(md),
                    path.parent().unwrap_or(&root).join(md),
                    root.join("docs").join(md),
                ];
                if !candidates.iter().any(|c| c.is_file()) {
                    problems.push(format!("{at}: `{md}` is not in the repository"));
                }
            }
            for section in cited_sections(line) {
                if !headings.contains(&section) {
                    problems.push(format!(
                        "{at}: \u{ab}{section}\u{bb} is not a section of docs/development/api-reference.md"
                    ));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "dead references:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_reference_scanners_find_what_they_look_for() {
    // Markdown names assembled at run time, so the scan of this file skips them.
    let md = ".m".to_owned() + "d";
    let line = format!(
        "see `docs/x-y{md}`, (a{md}) and \u{ab}Signature v1\u{bb}, \u{ab}Tags\u{bb}; not a{md}x"
    );
    let line = line.as_str();
    let (first, second) = (format!("docs/x-y{md}"), format!("a{md}"));
    assert_eq!(cited_markdown(line), vec![first.as_str(), second.as_str()]);
    assert_eq!(cited_sections(line), vec!["Signature v1", "Tags"]);
    assert!(cited_markdown("no markdown here.").is_empty());
}

/// The bodies of the functions in `text` whose signature line contains `fn <name>(`
/// for one of `names`: `(first line number, lines)`.
fn fn_bodies<'a>(text: &'a str, names: &[&str]) -> Vec<(usize, Vec<&'a str>)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if !names.iter().any(|n| line.contains(&format!("fn {n}("))) {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let close = format!("{}}}", " ".repeat(indent));
        let end = lines[i..]
            .iter()
            .position(|l| l.trim_end() == close)
            .map_or(lines.len(), |k| i + k + 1);
        out.push((i + 1, lines[i..end].to_vec()));
    }
    out
}

#[test]
fn schema_builders_are_formatted_by_rustfmt() {
    // rustfmt leaves a whole expression as written when it cannot fit one of its lines
    // in 100 columns (a long string literal, typically): a long line in a schema
    // builder is the sign. Split long strings with `\` continuations.
    let mut paths = Vec::new();
    files(&root().join("src/resources"), &["rs"], &mut paths);
    let mut long = Vec::new();
    let mut builders = 0;
    for path in paths {
        let text = read(&path);
        for (first, body) in fn_bodies(&text, &["schema", "add_schema"]) {
            builders += 1;
            for (k, line) in body.iter().enumerate() {
                if line.chars().count() > 100 {
                    long.push(format!("{}:{}", path.display(), first + k));
                }
            }
        }
    }
    assert!(builders >= 7, "only {builders} schema builders found");
    assert!(
        long.is_empty(),
        "lines rustfmt gave up on:\n{}",
        long.join("\n")
    );
}
