//! The reference tools ("anchors") the benchmarks run beside ours: where
//! they are, why one is missing, and installing them with
//! bench/install_anchors.sh. Everything lives in one folder:
//! `$EMBEDPOS_ANCHORS`, else `$ANCHORS`, else target/anchors.

use crate::util::workspace_root;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A reference tool a benchmark may need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// word2vec C (`venv/bin/word2vec`, from the PyPI package `word2vec`).
    Word2vec,
    /// word2vec's phrase tool (`venv/bin/word2phrase`, from the same package).
    Word2phrase,
    /// fastText's command line (`bin/fasttext` or `fasttext` on PATH).
    Fasttext,
    /// GloVe C's four programs (`glove-c/build/`).
    GloveC,
    /// Python with gensim (`venv/bin/python3`), which scores vectors.
    Gensim,
    /// Python with Hugging Face `tokenizers` and `tiktoken`
    /// (`venv/bin/python3`), which runs bench/bpe_reference.py.
    PyTokenizers,
}

/// Where a tool is, or why it is not there.
pub type Found = std::result::Result<PathBuf, String>;

/// The anchors folder and what it holds.
#[derive(Debug, Clone)]
pub struct Anchors {
    dir: PathBuf,
    glove_src: Option<PathBuf>,
}

impl Anchors {
    /// The anchors folder of this checkout (nothing is checked yet).
    pub fn new(glove_src: Option<PathBuf>) -> Anchors {
        let dir = ["EMBEDPOS_ANCHORS", "ANCHORS"]
            .iter()
            .filter_map(std::env::var_os)
            .find(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace_root().join("target").join("anchors"));
        let glove_src = glove_src.or_else(|| {
            std::env::var_os("EMBEDPOS_GLOVE_SRC")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        });
        Anchors { dir, glove_src }
    }

    /// Runs bench/install_anchors.sh when a tool of `needs` is missing and
    /// the script could bring it (GloVe C only with sources to build from).
    /// A failed install is reported and left for the benchmark to report
    /// tool by tool.
    pub fn install_missing(&self, needs: &[Tool]) {
        let wanted: Vec<Tool> = needs
            .iter()
            .copied()
            .filter(|t| self.find(*t).is_err())
            .filter(|t| *t != Tool::GloveC || self.glove_src.is_some())
            .collect();
        if wanted.is_empty() {
            return;
        }
        let script = workspace_root().join("bench").join("install_anchors.sh");
        eprintln!(
            "installing the reference tools with {} (into {})",
            script.display(),
            self.dir.display()
        );
        let mut cmd = Command::new("bash");
        cmd.arg(&script).arg("--dir").arg(&self.dir);
        if let Some(src) = &self.glove_src {
            cmd.arg("--glove-src").arg(src);
        }
        if !needs.contains(&Tool::Fasttext) {
            cmd.arg("--skip-fasttext");
        }
        // The script's summary goes to stderr: stdout is for the table.
        cmd.stdout(Stdio::from(std::io::stderr()));
        match cmd.status() {
            Ok(s) if s.success() => {}
            Ok(_) => eprintln!("{} could not install everything", script.display()),
            Err(e) => eprintln!("cannot run {}: {e}", script.display()),
        }
    }

    /// The tool's program (for GloVe C: its build folder), or why it is
    /// missing and how to get it.
    pub fn find(&self, tool: Tool) -> Found {
        let install =
            "run bench/install_anchors.sh (cargo xtask bench runs it unless --no-install)";
        match tool {
            Tool::Word2vec => {
                let p = self.dir.join("venv/bin/word2vec");
                is_program(&p).ok_or_else(|| {
                    format!(
                        "word2vec C is missing ({} not found): {install}; it builds word2vec C through the PyPI package word2vec",
                        p.display()
                    )
                })
            }
            Tool::Word2phrase => {
                let p = self.dir.join("venv/bin/word2phrase");
                is_program(&p).ok_or_else(|| {
                    format!(
                        "word2phrase is missing ({} not found): {install}; it builds word2phrase with word2vec C through the PyPI package word2vec",
                        p.display()
                    )
                })
            }
            Tool::Fasttext => {
                let p = self.dir.join("bin/fasttext");
                is_program(&p).or_else(on_path("fasttext")).ok_or_else(|| {
                    format!(
                        "fastText is missing (neither {} nor fasttext on PATH): {install}, or as root apt-get install fasttext",
                        p.display()
                    )
                })
            }
            Tool::GloveC => {
                let b = self.dir.join("glove-c/build");
                let missing: Vec<&str> = ["vocab_count", "cooccur", "shuffle", "glove"]
                    .into_iter()
                    .filter(|t| is_program(&b.join(t)).is_none())
                    .collect();
                if missing.is_empty() {
                    return Ok(b);
                }
                let example = workspace_root().join("../shared/bench/anchors");
                let example = if example.is_dir() {
                    " (on this machine, e.g. the GloVe C tarball in ../shared/bench/anchors/)"
                } else {
                    ""
                };
                let given = match &self.glove_src {
                    Some(s) => format!(
                        " --glove-src {} did not build it (see {});",
                        s.display(),
                        self.dir.join("install.log").display()
                    ),
                    None => String::new(),
                };
                Err(format!(
                    "GloVe C is not built ({} missing in {}):{given} pass --glove-src DIR|TARBALL or set EMBEDPOS_GLOVE_SRC to GloVe C's sources{example}, and bench/install_anchors.sh builds it",
                    missing.join(", "),
                    b.display()
                ))
            }
            Tool::PyTokenizers => {
                let p = self.dir.join("venv/bin/python3");
                if python_imports(&p, "import tokenizers, tiktoken") {
                    Ok(p)
                } else {
                    Err(format!(
                        "Hugging Face tokenizers / tiktoken are missing ({} cannot import them): {install}",
                        p.display()
                    ))
                }
            }
            Tool::Gensim => {
                let p = self.dir.join("venv/bin/python3");
                if python_imports(&p, "import gensim") {
                    Ok(p)
                } else {
                    Err(format!(
                        "gensim is missing ({} cannot import it), so no vectors are scored: {install}",
                        p.display()
                    ))
                }
            }
        }
    }
}

/// Whether the Python at `p` runs `code` (an import) without error.
fn python_imports(p: &Path, code: &str) -> bool {
    is_program(p).is_some()
        && Command::new(p)
            .args(["-c", code])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
}

/// `p` when it is an executable file.
fn is_program(p: &Path) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(p).ok()?;
    (meta.is_file() && meta.permissions().mode() & 0o111 != 0).then(|| p.to_path_buf())
}

/// A search of PATH for `name`, for `Option::or_else`.
fn on_path(name: &str) -> impl FnOnce() -> Option<PathBuf> + '_ {
    move || {
        let path = std::env::var_os("PATH")?;
        std::env::split_paths(&path).find_map(|d| is_program(&d.join(name)))
    }
}
