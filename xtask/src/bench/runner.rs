//! The one runner behind every benchmark. A benchmark declares groups (a
//! model, a mode) of contenders: ours and the reference tools, each a list
//! of command lines and how to score what they wrote. The runner runs the
//! contenders of a group alternately `--repeat` times, measures every
//! process (wall, CPU, peak RSS), scores every run, and prints one table
//! with the mean (and spread) of each and the ratios of ours to each
//! reference; `--json FILE` writes the same as JSON.
//!
//! A reference tool that is missing, crashes or prints something
//! unexpected is reported with the reason and left out of the ratios; our
//! own figures are still printed. Only a failure of ours fails the run.

use super::scores::{heading, is_count, Format, Metrics, Scorer};
use super::Ctx;
use crate::util::{mb, run_measured, write_atomic, Result};
use serde_json::{json, Map, Value};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// One process of a run. Its time is added to the stage column `label`
/// (several processes may share one; `""`: no column).
pub struct Stage {
    label: &'static str,
    cmd: Command,
    stdin: Option<PathBuf>,
    stdout: Option<PathBuf>,
}

impl Stage {
    /// `cmd`, timed into the column `label`; stdin and stdout are empty.
    pub fn new(label: &'static str, cmd: Command) -> Stage {
        Stage {
            label,
            cmd,
            stdin: None,
            stdout: None,
        }
    }

    /// Reads standard input from `path`.
    pub fn stdin(mut self, path: &Path) -> Stage {
        self.stdin = Some(path.to_path_buf());
        self
    }

    /// Writes standard output to `path`.
    pub fn stdout(mut self, path: &Path) -> Stage {
        self.stdout = Some(path.to_path_buf());
        self
    }
}

/// What a contender's run leaves to score.
pub enum Output {
    /// Nothing.
    Nothing,
    /// A vector file, scored by bench/score_vectors.py.
    Vectors(PathBuf, Format),
    /// Figures the benchmark computes itself.
    Custom(Box<dyn Fn() -> Result<Metrics>>),
}

/// The processes of run `round` (0-based).
type Plan = Box<dyn Fn(usize) -> Result<Vec<Stage>>>;
/// Run after a successful run `round`: stage times the contender reports
/// itself (they replace measured ones), or an error that fails the run.
type After = Box<dyn Fn(usize) -> Result<Vec<(&'static str, f64)>>>;

/// A named command line (or pipeline of them) and how to score its output.
pub struct Contender {
    name: String,
    ours: bool,
    missing: Option<String>,
    plan: Plan,
    output: Output,
    after: Option<After>,
}

impl Contender {
    /// Our side: `program`, run as `plan` says.
    pub fn ours(
        name: &str,
        program: &Path,
        plan: impl Fn(&Path, usize) -> Result<Vec<Stage>> + 'static,
    ) -> Contender {
        let mut c = Contender::anchor(name, Ok(program.to_path_buf()), plan);
        c.ours = true;
        c
    }

    /// A reference tool at `tool` (or missing, for the reason given), run
    /// as `plan` says.
    pub fn anchor(
        name: &str,
        tool: super::anchors::Found,
        plan: impl Fn(&Path, usize) -> Result<Vec<Stage>> + 'static,
    ) -> Contender {
        let (missing, plan): (_, Plan) = match tool {
            Ok(path) => (None, Box::new(move |round| plan(&path, round))),
            Err(why) => (Some(why), Box::new(|_| Err("not available".into()))),
        };
        Contender {
            name: name.to_string(),
            ours: false,
            missing,
            plan,
            output: Output::Nothing,
            after: None,
        }
    }

    /// What to score after each run.
    pub fn scored(mut self, output: Output) -> Contender {
        self.output = output;
        self
    }

    /// A step after each successful run (see [`After`]).
    pub fn after(
        mut self,
        f: impl Fn(usize) -> Result<Vec<(&'static str, f64)>> + 'static,
    ) -> Contender {
        self.after = Some(Box::new(f));
        self
    }
}

/// A check of ours against the group's target reference tool.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// Their wall / our wall at least this.
    Speed(f64),
    /// Our peak RSS / theirs at most this.
    Rss(f64),
    /// Our peak RSS at most this many bytes.
    RssBytes(u64),
    /// Our mean figure minus theirs at least this.
    Delta(&'static str, f64),
}

impl Target {
    /// At least `speed` times as fast, at most `rss` times the memory, and
    /// each figure no worse than the reference's by more than its tolerance.
    pub fn parity(speed: f64, rss: f64, tolerances: &[(&'static str, f64)]) -> Vec<Target> {
        let mut v = vec![Target::Speed(speed), Target::Rss(rss)];
        v.extend(tolerances.iter().map(|&(key, tol)| Target::Delta(key, tol)));
        v
    }
}

/// Contenders compared with each other, e.g. one model.
pub struct Group {
    name: String,
    contenders: Vec<Contender>,
    work: Option<(&'static str, f64)>,
    work_means: &'static str,
    targets: Vec<Target>,
    target_anchor: String,
}

impl Group {
    /// A group of `contenders`, run in the order given.
    pub fn new(name: &str, contenders: Vec<Contender>) -> Group {
        Group {
            name: name.to_string(),
            contenders,
            work: None,
            work_means: "",
            targets: Vec::new(),
            target_anchor: String::new(),
        }
    }

    /// Adds a throughput column `label`: `units` of work per run / wall;
    /// `means` says so under the table.
    pub fn work(mut self, label: &'static str, units: f64, means: &'static str) -> Group {
        self.work = Some((label, units));
        self.work_means = means;
        self
    }

    /// Targets of ours against the reference tool `anchor`, printed under
    /// the table (they do not fail the run).
    pub fn targets(mut self, anchor: &str, targets: Vec<Target>) -> Group {
        self.targets = targets;
        self.target_anchor = anchor.to_string();
        self
    }
}

/// A whole benchmark: its groups and the settings they share.
pub struct Bench {
    /// Short name (`word2vec`), also the JSON's `bench`.
    pub name: &'static str,
    /// What is measured, for the heading.
    pub what: String,
    /// The settings both sides use, for the heading and the JSON.
    pub settings: Vec<(&'static str, Value)>,
    /// The groups, run one after the other.
    pub groups: Vec<Group>,
    /// Lines printed under the table.
    pub notes: Vec<String>,
}

/// One successful run.
#[derive(Debug, Clone, Default)]
struct Run {
    wall: Duration,
    cpu: Duration,
    peak_rss: u64,
    stages: Vec<(&'static str, f64)>,
    scores: Metrics,
}

/// Mean, sample standard deviation, min and max of some values.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    pub mean: f64,
    pub sd: f64,
    pub min: f64,
    pub max: f64,
}

impl Stats {
    fn of(v: &[f64]) -> Stats {
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let sd = if v.len() > 1 {
            (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
        } else {
            0.0
        };
        let min = v.iter().copied().fold(f64::INFINITY, f64::min);
        let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Stats { mean, sd, min, max }
    }

    fn json(&self) -> Value {
        json!({"mean": num(self.mean), "sd": num(self.sd), "min": num(self.min), "max": num(self.max)})
    }
}

/// A finite number, or null.
fn num(x: f64) -> Value {
    if x.is_finite() {
        json!(x)
    } else {
        Value::Null
    }
}

/// A contender's runs and what became of it.
struct Outcome {
    name: String,
    ours: bool,
    runs: Vec<Run>,
    /// Why it did not run at all, or stopped.
    problem: Option<Problem>,
}

enum Problem {
    Missing(String),
    /// Failed in run `round` (0-based); `skipped`: runs after it were left out.
    Failed {
        round: usize,
        skipped: bool,
        why: String,
    },
}

/// The figures of a contender over its runs.
struct Summary {
    wall: Stats,
    cpu: Stats,
    rss: Stats,
    work: Option<Stats>,
    stages: Vec<(&'static str, Stats)>,
    scores: Vec<(&'static str, Stats)>,
}

impl Outcome {
    fn summary(&self, work: Option<(&'static str, f64)>) -> Option<Summary> {
        if self.runs.is_empty() {
            return None;
        }
        let of = |f: &dyn Fn(&Run) -> f64| Stats::of(&self.runs.iter().map(f).collect::<Vec<_>>());
        let keyed = |get: &dyn Fn(&Run) -> &[(&'static str, f64)]| {
            let mut keys: Vec<&'static str> = Vec::new();
            for r in &self.runs {
                for (k, _) in get(r) {
                    if !keys.contains(k) {
                        keys.push(k);
                    }
                }
            }
            keys.into_iter()
                .map(|k| {
                    let v: Vec<f64> = self
                        .runs
                        .iter()
                        .filter_map(|r| get(r).iter().find(|(key, _)| *key == k).map(|x| x.1))
                        .collect();
                    (k, Stats::of(&v))
                })
                .collect::<Vec<_>>()
        };
        Some(Summary {
            wall: of(&|r| r.wall.as_secs_f64()),
            cpu: of(&|r| r.cpu.as_secs_f64()),
            rss: of(&|r| r.peak_rss as f64),
            work: work.map(|(_, units)| of(&|r| units / r.wall.as_secs_f64())),
            stages: keyed(&|r| &r.stages),
            scores: keyed(&|r| &r.scores),
        })
    }

    fn status(&self) -> &'static str {
        match (&self.problem, self.runs.is_empty()) {
            (None, _) => "ok",
            (Some(Problem::Missing(_)), _) => "missing",
            (Some(Problem::Failed { .. }), true) => "failed",
            (Some(Problem::Failed { .. }), false) => "partial",
        }
    }

    fn problem_text(&self) -> Option<String> {
        match &self.problem {
            None => None,
            Some(Problem::Missing(why)) => Some(format!("not run: {why}")),
            Some(Problem::Failed {
                round,
                skipped,
                why,
            }) => Some(format!(
                "failed in run {}{}: {why}",
                round + 1,
                if *skipped {
                    " (later runs skipped)"
                } else {
                    ""
                }
            )),
        }
    }
}

/// The benchmark's results, printed and written; `finish` tells whether
/// our side failed.
pub struct Report {
    failures: Vec<String>,
    /// (group, contender) of every contender that ran without failure.
    done: Vec<(String, String)>,
}

impl Report {
    /// Whether `contender` of `group` ran without failure.
    pub fn ok(&self, group: &str, contender: &str) -> bool {
        self.done.iter().any(|(g, c)| g == group && c == contender)
    }

    /// An error naming our failed runs, if any.
    pub fn finish(self) -> Result {
        if self.failures.is_empty() {
            Ok(())
        } else {
            Err(format!("our side failed: {}", self.failures.join("; ")).into())
        }
    }
}

/// Runs `bench`, prints its table (stdout; progress on stderr), writes the
/// JSON when asked.
pub fn run(bench: Bench, ctx: &Ctx) -> Result<Report> {
    let repeat = ctx.repeat.max(1);
    let logs = ctx.out.join("logs");
    std::fs::create_dir_all(&logs)?;
    let heading = heading_line(&bench, ctx);
    eprintln!("{heading}");
    let scores_vectors = bench.groups.iter().any(|g| {
        g.contenders
            .iter()
            .any(|c| matches!(c.output, Output::Vectors(..)))
    });
    let mut results: Vec<(Group, Vec<Outcome>)> = Vec::new();
    for mut group in bench.groups {
        if ctx.only_ours {
            group.contenders.retain(|c| c.ours);
        }
        let mut outcomes: Vec<Outcome> = group
            .contenders
            .iter()
            .map(|c| Outcome {
                name: c.name.clone(),
                ours: c.ours,
                runs: Vec::new(),
                problem: c.missing.clone().map(Problem::Missing),
            })
            .collect();
        for (c, o) in group.contenders.iter().zip(&outcomes) {
            if let Some(Problem::Missing(why)) = &o.problem {
                eprintln!("[{}] {} left out: {why}", group.name, c.name);
            }
        }
        for round in 0..repeat {
            for (c, o) in group.contenders.iter().zip(outcomes.iter_mut()) {
                if o.problem.is_some() {
                    continue;
                }
                eprintln!("[{} {}/{repeat}] {} ...", group.name, round + 1, c.name);
                let log = logs.join(format!(
                    "{}-{}-{}-{}.log",
                    bench.name,
                    slug(&group.name),
                    slug(&c.name),
                    round + 1
                ));
                match run_once(c, round, &ctx.scorer, &log) {
                    Ok(r) => {
                        eprintln!("    {}", run_line(&r));
                        o.runs.push(r);
                    }
                    Err(e) => {
                        eprintln!("    FAILED: {e}");
                        o.problem = Some(Problem::Failed {
                            round,
                            skipped: round + 1 < repeat,
                            why: e.to_string(),
                        });
                    }
                }
            }
        }
        results.push((group, outcomes));
    }

    let table = render(&results, repeat);
    println!();
    println!("{heading}");
    println!("{table}");
    let mut failures = Vec::new();
    let mut done = Vec::new();
    let mut notes = Vec::new();
    for (g, outs) in &results {
        for o in outs {
            if let Some(p) = o.problem_text() {
                notes.push(format!("{} / {}: {p}", g.name, o.name));
                if o.ours {
                    failures.push(format!("{} / {}: {p}", g.name, o.name));
                }
            } else {
                done.push((g.name.clone(), o.name.clone()));
            }
        }
    }
    if let Some(why) = ctx.scorer.missing().filter(|_| scores_vectors) {
        notes.push(format!("no scores: {why}"));
    }
    let targets = check_targets(&results);
    for line in targets.iter().filter_map(|t| t.line.clone()) {
        println!("{line}");
    }
    if repeat > 1 {
        println!("per run:");
        for (g, outs) in &results {
            for o in outs {
                for (i, r) in o.runs.iter().enumerate() {
                    println!("  {} / {} run {}: {}", g.name, o.name, i + 1, run_line(r));
                }
            }
        }
    }
    let mut explained: Vec<String> = Vec::new();
    for (g, _) in &results {
        if let Some((label, _)) = g.work {
            let line = format!("({label} = {})", g.work_means);
            if !explained.contains(&line) {
                explained.push(line);
            }
        }
    }
    for n in explained.iter().chain(&bench.notes).chain(&notes) {
        println!("{n}");
    }
    if let Some(path) = &ctx.json {
        let v = to_json(bench.name, &bench.settings, ctx, &results, &targets);
        let text = serde_json::to_string_pretty(&v)? + "\n";
        write_atomic(path, text.as_bytes())?;
        eprintln!("wrote {}", path.display());
    }
    Ok(Report { failures, done })
}

fn heading_line(bench: &Bench, ctx: &Ctx) -> String {
    let settings: Vec<String> = bench
        .settings
        .iter()
        .map(|(k, v)| match v {
            Value::String(s) => format!("{k} {s}"),
            other => format!("{k} {other}"),
        })
        .collect();
    format!(
        "{} on {} ({} tokens, {}): {}; {} threads, {} run(s) of each, alternating",
        bench.what,
        ctx.corpus.display(),
        ctx.tokens,
        mb(ctx.bytes),
        settings.join(", "),
        ctx.threads,
        ctx.repeat.max(1)
    )
}

fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

fn run_line(r: &Run) -> String {
    let mut s = format!(
        "{:.1} s wall, {:.1} s CPU, {}",
        r.wall.as_secs_f64(),
        r.cpu.as_secs_f64(),
        mb(r.peak_rss)
    );
    for (k, v) in &r.stages {
        s.push_str(&format!(", {k} {v:.1} s"));
    }
    for (k, v) in &r.scores {
        s.push_str(&format!(", {} {}", heading(k), fmt_score(k, *v)));
    }
    s
}

/// Runs every process of one run, then the contender's after-step and its
/// scoring.
fn run_once(c: &Contender, round: usize, scorer: &Scorer, log: &Path) -> Result<Run> {
    // No stale output: a tool that exits 0 without writing its vectors
    // must not be scored on an earlier run's.
    if let Output::Vectors(path, _) = &c.output {
        if path.exists() {
            std::fs::remove_file(path)?;
        }
    }
    let stages = (c.plan)(round)?;
    let log_file = File::create(log)?;
    let mut run = Run::default();
    for mut st in stages {
        if let Some(p) = &st.stdin {
            st.cmd
                .stdin(File::open(p).map_err(|e| format!("{}: {e}", p.display()))?);
        } else {
            st.cmd.stdin(Stdio::null());
        }
        match &st.stdout {
            Some(p) => st
                .cmd
                .stdout(File::create(p).map_err(|e| format!("{}: {e}", p.display()))?),
            None => st.cmd.stdout(Stdio::null()),
        };
        st.cmd.stderr(log_file.try_clone()?);
        let m = run_measured(&mut st.cmd).map_err(|e| format!("{e}{}", log_tail(log)))?;
        run.wall += m.wall;
        run.cpu += m.cpu;
        run.peak_rss = run.peak_rss.max(m.peak_rss);
        if !st.label.is_empty() {
            add_to(&mut run.stages, st.label, m.wall.as_secs_f64());
        }
    }
    if let Some(after) = &c.after {
        for (k, v) in after(round)? {
            match run.stages.iter_mut().find(|(key, _)| *key == k) {
                Some(slot) => slot.1 = v,
                None => run.stages.push((k, v)),
            }
        }
    }
    run.scores = match &c.output {
        Output::Nothing => Metrics::new(),
        Output::Vectors(path, _) if !path.is_file() => {
            return Err(format!("it exited normally but wrote no {}", path.display()).into())
        }
        Output::Vectors(path, format) => scorer.score(path, *format)?.unwrap_or_default(),
        Output::Custom(f) => f()?,
    };
    Ok(run)
}

fn add_to(v: &mut Vec<(&'static str, f64)>, key: &'static str, x: f64) {
    match v.iter_mut().find(|(k, _)| *k == key) {
        Some(slot) => slot.1 += x,
        None => v.push((key, x)),
    }
}

/// The last lines a failed tool wrote to stderr, for the message.
fn log_tail(log: &Path) -> String {
    let text = std::fs::read(log).unwrap_or_default();
    let text = String::from_utf8_lossy(&text[text.len().saturating_sub(2000)..]).into_owned();
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if lines.is_empty() {
        return format!(" (nothing on stderr; log {})", log.display());
    }
    let tail = lines[lines.len().saturating_sub(3)..].join(" | ");
    format!("; its stderr ends: {tail:.300} (log {})", log.display())
}

fn fmt_score(key: &str, x: f64) -> String {
    fmt_figure(key, x, false)
}

fn fmt_delta(key: &str, d: f64) -> String {
    fmt_figure(key, d, true)
}

/// A figure (a count without decimals), with its sign when `signed`.
fn fmt_figure(key: &str, x: f64, signed: bool) -> String {
    let digits = if is_count(key) { 0 } else { 4 };
    match (x.is_finite(), signed) {
        (false, _) => "-".into(),
        (true, true) => format!("{x:+.digits$}"),
        (true, false) => format!("{x:.digits$}"),
    }
}

fn fmt_secs(x: f64) -> String {
    if x < 10.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.1}")
    }
}

fn fmt_work(x: f64) -> String {
    if x >= 1e6 {
        format!("{:.2}M", x / 1e6)
    } else if x >= 1e4 {
        format!("{:.0}k", x / 1e3)
    } else {
        format!("{x:.1}")
    }
}

fn ratio(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.2}x")
    } else {
        "-".into()
    }
}

/// Each of ours that ran with each reference tool that ran, with their
/// summaries.
fn pairs<'a>(
    outs: &'a [Outcome],
    sums: &'a [Option<Summary>],
) -> Vec<(&'a Outcome, &'a Summary, &'a Outcome, &'a Summary)> {
    let ran: Vec<(&Outcome, &Summary)> = outs
        .iter()
        .zip(sums)
        .filter_map(|(o, s)| s.as_ref().map(|s| (o, s)))
        .collect();
    let mut v = Vec::new();
    for (o, so) in ran.iter().filter(|(o, _)| o.ours) {
        for (a, sa) in ran.iter().filter(|(a, _)| !a.ours) {
            v.push((*o, *so, *a, *sa));
        }
    }
    v
}

/// The statistics of figure `key`, if there are any.
fn stats_of(v: &[(&'static str, Stats)], key: &str) -> Option<Stats> {
    v.iter().find(|(k, _)| *k == key).map(|(_, s)| *s)
}

/// The mean of figure `key`, if there is one.
fn mean_of(v: &[(&'static str, Stats)], key: &str) -> Option<f64> {
    stats_of(v, key).map(|s| s.mean)
}

/// The columns of a group: stage labels, whether there is a work column,
/// score keys.
struct Columns {
    stages: Vec<&'static str>,
    work: Option<&'static str>,
    scores: Vec<&'static str>,
}

fn columns(results: &[(Group, Vec<Outcome>)]) -> Columns {
    let mut c = Columns {
        stages: Vec::new(),
        work: None,
        scores: Vec::new(),
    };
    for (g, outs) in results {
        c.work = c.work.or(g.work.map(|w| w.0));
        for o in outs {
            for r in &o.runs {
                for (k, _) in &r.stages {
                    if !c.stages.contains(k) {
                        c.stages.push(k);
                    }
                }
                for (k, _) in &r.scores {
                    if !c.scores.contains(k) {
                        c.scores.push(k);
                    }
                }
            }
        }
    }
    c
}

/// The table: one row per contender (mean over its runs), an `sd` row
/// under it when it ran more than once, and one row per reference tool
/// with the ratios of ours to it.
fn render(results: &[(Group, Vec<Outcome>)], repeat: usize) -> String {
    let cols = columns(results);
    let mut head: Vec<String> = vec!["group".into(), "tool".into(), "runs".into()];
    head.extend(cols.stages.iter().map(|s| format!("{s} s")));
    head.extend(["wall s".into(), "cpu s".into()]);
    head.extend(cols.work.map(String::from));
    head.push("peak RSS".into());
    head.extend(cols.scores.iter().map(|k| heading(k).to_string()));
    let width = head.len();
    let mut rows: Vec<Vec<String>> = vec![head];
    let mut spans: Vec<(usize, String)> = Vec::new();
    for (g, outs) in results {
        let sums: Vec<Option<Summary>> = outs.iter().map(|o| o.summary(g.work)).collect();
        for (o, s) in outs.iter().zip(&sums) {
            let Some(s) = s else {
                let why = match &o.problem {
                    Some(Problem::Failed { round, .. }) => {
                        format!("failed in run {} (see below)", round + 1)
                    }
                    _ => "not run (see below)".to_string(),
                };
                spans.push((rows.len(), why));
                rows.push(vec![g.name.clone(), o.name.clone(), "0".into()]);
                continue;
            };
            let runs = if o.runs.len() < repeat {
                format!("{}/{repeat}", o.runs.len())
            } else {
                o.runs.len().to_string()
            };
            let mut row = vec![g.name.clone(), o.name.clone(), runs];
            let mut sd = vec![String::new(), "  sd".into(), String::new()];
            for k in &cols.stages {
                let st = stats_of(&s.stages, k);
                row.push(st.map_or("-".into(), |x| fmt_secs(x.mean)));
                sd.push(st.map_or(String::new(), |x| fmt_secs(x.sd)));
            }
            row.push(fmt_secs(s.wall.mean));
            sd.push(fmt_secs(s.wall.sd));
            row.push(fmt_secs(s.cpu.mean));
            sd.push(fmt_secs(s.cpu.sd));
            if cols.work.is_some() {
                row.push(s.work.map_or("-".into(), |w| fmt_work(w.mean)));
                sd.push(s.work.map_or(String::new(), |w| fmt_work(w.sd)));
            }
            row.push(mb(s.rss.max as u64));
            sd.push(mb(s.rss.sd as u64));
            for k in &cols.scores {
                let sc = stats_of(&s.scores, k);
                row.push(sc.map_or("-".into(), |x| fmt_score(k, x.mean)));
                sd.push(sc.map_or(String::new(), |x| fmt_score(k, x.sd)));
            }
            rows.push(row);
            if o.runs.len() > 1 {
                rows.push(sd);
            }
        }
        // Ratios of each of ours to each reference tool that ran.
        for (_, so, a, sa) in pairs(outs, &sums) {
            let mean = |v: &[(&'static str, Stats)], k: &str| mean_of(v, k).unwrap_or(f64::NAN);
            let mut row = vec![g.name.clone(), format!("÷ {}", a.name), String::new()];
            for k in &cols.stages {
                row.push(ratio(mean(&sa.stages, k) / mean(&so.stages, k)));
            }
            row.push(ratio(sa.wall.mean / so.wall.mean));
            row.push(ratio(sa.cpu.mean / so.cpu.mean));
            if cols.work.is_some() {
                row.push(ratio(sa.wall.mean / so.wall.mean));
            }
            row.push(ratio(so.rss.max / sa.rss.max));
            for k in &cols.scores {
                row.push(fmt_delta(k, mean(&so.scores, k) - mean(&sa.scores, k)));
            }
            rows.push(row);
        }
    }
    // Column widths over the full rows; a row of a contender that did not
    // run carries its reason past the third column instead.
    let mut w = vec![0usize; width];
    for r in &rows {
        for (i, cell) in r.iter().enumerate() {
            w[i] = w[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for (n, r) in rows.iter().enumerate() {
        let mut line = String::new();
        for (i, cell) in r.iter().enumerate() {
            let pad = w[i].saturating_sub(cell.chars().count());
            if i < 2 {
                line.push_str(cell);
                line.push_str(&" ".repeat(pad + 2));
            } else {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
                line.push_str("  ");
            }
        }
        if let Some((_, why)) = spans.iter().find(|(row, _)| *row == n) {
            line.push_str(why);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.push_str("(mean over the runs");
    if rows.iter().any(|r| r[1].starts_with('÷')) {
        out.push_str(
            "; ÷ rows: speed = their time / ours (above 1: ours faster), \
             RSS = our peak / theirs (below 1: ours smaller), figures = ours - theirs",
        );
    }
    out.push(')');
    out
}

/// One evaluated target.
struct Checked {
    group: String,
    anchor: String,
    what: String,
    value: f64,
    bound: f64,
    ok: bool,
    line: Option<String>,
}

fn check_targets(results: &[(Group, Vec<Outcome>)]) -> Vec<Checked> {
    let mut all = Vec::new();
    for (g, outs) in results {
        let ours = outs.iter().find(|o| o.ours).and_then(|o| o.summary(g.work));
        let anchor = outs
            .iter()
            .filter(|o| !o.ours && o.name == g.target_anchor)
            .find_map(|o| o.summary(g.work).map(|s| (o.name.clone(), s)));
        let Some(so) = ours else { continue };
        let mut checked = Vec::new();
        for t in &g.targets {
            let (what, value, bound, ok) = match (*t, &anchor) {
                (Target::Speed(min), Some((_, sa))) => {
                    let x = sa.wall.mean / so.wall.mean;
                    ("speed".to_string(), x, min, x >= min)
                }
                (Target::Rss(max), Some((_, sa))) => {
                    let x = so.rss.max / sa.rss.max;
                    ("peak RSS ratio".to_string(), x, max, x <= max)
                }
                (Target::RssBytes(max), _) => (
                    "peak RSS bytes".to_string(),
                    so.rss.max,
                    max as f64,
                    so.rss.max <= max as f64,
                ),
                (Target::Delta(key, min), Some((_, sa))) => {
                    let (Some(a), Some(b)) = (mean_of(&so.scores, key), mean_of(&sa.scores, key))
                    else {
                        continue;
                    };
                    (format!("{} delta", heading(key)), a - b, min, a - b >= min)
                }
                _ => continue,
            };
            checked.push(Checked {
                group: g.name.clone(),
                anchor: anchor.as_ref().map_or(String::new(), |a| a.0.clone()),
                what,
                value,
                bound,
                ok,
                line: None,
            });
        }
        if checked.is_empty() {
            continue;
        }
        let parts: Vec<String> = checked
            .iter()
            .map(|c| {
                let (v, b) = match c.what.as_str() {
                    "speed" | "peak RSS ratio" => (ratio(c.value), ratio(c.bound)),
                    "peak RSS bytes" => (mb(c.value as u64), mb(c.bound as u64)),
                    _ => (format!("{:+.4}", c.value), format!("{:+.4}", c.bound)),
                };
                let cmp = if c.what.starts_with("peak RSS") {
                    "<="
                } else {
                    ">="
                };
                let name = c.what.trim_end_matches(" bytes").trim_end_matches(" ratio");
                format!(
                    "{name} {v} (target {cmp} {b}) {}",
                    if c.ok { "ok" } else { "MISSED" }
                )
            })
            .collect();
        let vs = anchor
            .as_ref()
            .map_or(String::new(), |a| format!(" vs {}", a.0));
        if let Some(first) = checked.first_mut() {
            first.line = Some(format!("targets {}{vs}: {}", g.name, parts.join("; ")));
        }
        all.extend(checked);
    }
    all
}

fn to_json(
    name: &str,
    settings: &[(&'static str, Value)],
    ctx: &Ctx,
    results: &[(Group, Vec<Outcome>)],
    targets: &[Checked],
) -> Value {
    let settings: Map<String, Value> = settings
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let keyed = |v: &[(&'static str, Stats)]| -> Value {
        Value::Object(v.iter().map(|(k, s)| (k.to_string(), s.json())).collect())
    };
    let flat = |v: &[(&'static str, f64)]| -> Value {
        Value::Object(v.iter().map(|(k, x)| (k.to_string(), num(*x))).collect())
    };
    let groups: Vec<Value> = results
        .iter()
        .map(|(g, outs)| {
            let sums: Vec<Option<Summary>> = outs.iter().map(|o| o.summary(g.work)).collect();
            let contenders: Vec<Value> = outs
                .iter()
                .zip(&sums)
                .map(|(o, s)| {
                    let runs: Vec<Value> = o
                        .runs
                        .iter()
                        .map(|r| {
                            json!({
                                "wall_s": r.wall.as_secs_f64(),
                                "cpu_s": r.cpu.as_secs_f64(),
                                "peak_rss_bytes": r.peak_rss,
                                "stages_s": flat(&r.stages),
                                "scores": flat(&r.scores),
                            })
                        })
                        .collect();
                    let summary = s.as_ref().map(|s| {
                        json!({
                            "wall_s": s.wall.json(),
                            "cpu_s": s.cpu.json(),
                            "peak_rss_bytes": s.rss.json(),
                            "throughput": s.work.map(|w| w.json()),
                            "stages_s": keyed(&s.stages),
                            "scores": keyed(&s.scores),
                        })
                    });
                    json!({
                        "name": o.name,
                        "ours": o.ours,
                        "status": o.status(),
                        "problem": o.problem_text(),
                        "runs": runs,
                        "summary": summary,
                    })
                })
                .collect();
            let mut ratios = Vec::new();
            for (o, so, a, sa) in pairs(outs, &sums) {
                let deltas: Map<String, Value> = so
                    .scores
                    .iter()
                    .filter_map(|(k, x)| {
                        let d = ((x.mean - mean_of(&sa.scores, k)?) * 1e6).round() / 1e6;
                        Some((k.to_string(), num(d)))
                    })
                    .collect();
                let stages: Map<String, Value> = so
                    .stages
                    .iter()
                    .filter_map(|(k, x)| {
                        Some((k.to_string(), num(mean_of(&sa.stages, k)? / x.mean)))
                    })
                    .collect();
                ratios.push(json!({
                    "ours": o.name,
                    "anchor": a.name,
                    "speed": num(sa.wall.mean / so.wall.mean),
                    "cpu": num(sa.cpu.mean / so.cpu.mean),
                    "rss": num(so.rss.max / sa.rss.max),
                    "stage_speed": stages,
                    "score_deltas": deltas,
                }));
            }
            let checks: Vec<Value> = targets
                .iter()
                .filter(|t| t.group == g.name)
                .map(|t| {
                    json!({"what": t.what, "against": t.anchor, "value": num(t.value),
                           "bound": num(t.bound), "ok": t.ok})
                })
                .collect();
            json!({
                "name": g.name,
                "throughput_unit": g.work.map(|w| w.0),
                "contenders": contenders,
                "ratios": ratios,
                "targets": checks,
            })
        })
        .collect();
    json!({
        "bench": name,
        "commit": git(&["rev-parse", "HEAD"]),
        "dirty": git(&["status", "--porcelain", "--untracked-files=no"]).map(|s| !s.is_empty()),
        "unix_time": std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        "corpus": {"path": ctx.corpus, "bytes": ctx.bytes, "tokens": ctx.tokens},
        "threads": ctx.threads,
        "repeat": ctx.repeat.max(1),
        "settings": settings,
        "groups": groups,
    })
}

/// `git ARGS` in the workspace, trimmed, when it works.
fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(crate::util::workspace_root())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::anchors::Anchors;

    fn ctx(name: &str, repeat: usize) -> Ctx {
        let out = std::env::temp_dir().join(format!("xtask-runner-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&out);
        std::fs::create_dir_all(&out).unwrap();
        Ctx {
            corpus: PathBuf::from("corpus.txt"),
            bytes: 1000,
            tokens: 100,
            threads: 1,
            repeat,
            only_ours: false,
            json: Some(out.join("result.json")),
            out,
            ours_bin: PathBuf::from("sh"),
            anchors: Anchors::new(None),
            scorer: Scorer::new(Err("no scorer in tests".into())),
            ours_args: Vec::new(),
        }
    }

    /// `sh -c SCRIPT`, scored with a fixed figure.
    fn shell(name: &str, ours: bool, script: &'static str, figure: f64) -> Contender {
        let plan = move |sh: &Path, _round: usize| {
            let mut cmd = Command::new(sh);
            cmd.args(["-c", script]);
            Ok(vec![Stage::new("step", cmd)])
        };
        let c = if ours {
            Contender::ours(name, Path::new("sh"), plan)
        } else {
            Contender::anchor(name, Ok(PathBuf::from("sh")), plan)
        };
        c.scored(Output::Custom(Box::new(move || {
            Ok(vec![("words", figure)])
        })))
    }

    fn bench(contenders: Vec<Contender>) -> Bench {
        Bench {
            name: "test",
            what: "test".into(),
            settings: vec![("dim", json!(3))],
            groups: vec![Group::new("g", contenders)
                .work("MB/s", 1.0, "test units")
                .targets("good", vec![Target::Delta("words", 0.0)])],
            notes: Vec::new(),
        }
    }

    fn read_json(ctx: &Ctx) -> Value {
        let text = std::fs::read_to_string(ctx.json.as_ref().unwrap()).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    #[test]
    fn broken_reference_tools_are_reported_and_ours_still_counts() {
        let ctx = ctx("anchors", 2);
        let b = bench(vec![
            Contender::anchor("absent", Err("absent is not installed".into()), |_, _| {
                Ok(Vec::new())
            }),
            shell(
                "crashing",
                false,
                "echo about to crash >&2; kill -SEGV $$",
                1.0,
            ),
            shell("good", false, "true", 10.0),
            shell("embedpos", true, "true", 12.0),
        ]);
        let report = run(b, &ctx).unwrap();
        assert!(report.ok("g", "embedpos") && report.ok("g", "good"));
        assert!(!report.ok("g", "crashing") && !report.ok("g", "absent"));
        report.finish().unwrap();
        let v = read_json(&ctx);
        let cs = v["groups"][0]["contenders"].as_array().unwrap();
        let status: Vec<&str> = cs.iter().map(|c| c["status"].as_str().unwrap()).collect();
        assert_eq!(status, ["missing", "failed", "ok", "ok"]);
        let crash = cs[1]["problem"].as_str().unwrap();
        assert!(
            crash.contains("signal 11") && crash.contains("about to crash"),
            "{crash}"
        );
        assert!(
            crash.starts_with("failed in run 1 (later runs skipped)"),
            "{crash}"
        );
        assert_eq!(cs[3]["runs"].as_array().unwrap().len(), 2);
        assert_eq!(cs[3]["summary"]["scores"]["words"]["mean"], 12.0);
        let ratios = v["groups"][0]["ratios"].as_array().unwrap();
        assert_eq!(ratios.len(), 1);
        assert_eq!(ratios[0]["anchor"], "good");
        assert_eq!(ratios[0]["score_deltas"]["words"], 2.0);
        assert_eq!(v["groups"][0]["targets"][0]["ok"], true);
        assert_eq!(v["settings"]["dim"], 3);
        std::fs::remove_dir_all(&ctx.out).unwrap();
    }

    #[test]
    fn a_failure_of_ours_fails_the_bench_but_keeps_the_reference_figures() {
        let ctx = ctx("ours", 1);
        let b = bench(vec![
            shell("good", false, "true", 10.0),
            shell("embedpos", true, "echo bad flag >&2; exit 2", 12.0),
        ]);
        let report = run(b, &ctx).unwrap();
        let e = report.finish().unwrap_err().to_string();
        assert!(
            e.contains("our side failed") && e.contains("exited with status 2"),
            "{e}"
        );
        assert!(e.contains("bad flag"), "{e}");
        let v = read_json(&ctx);
        let cs = &v["groups"][0]["contenders"];
        assert_eq!(cs[0]["status"], "ok");
        assert_eq!(cs[1]["status"], "failed");
        std::fs::remove_dir_all(&ctx.out).unwrap();
    }

    #[test]
    fn only_ours_leaves_the_reference_tools_out() {
        let mut ctx = ctx("only", 1);
        ctx.only_ours = true;
        let b = bench(vec![
            shell("good", false, "exit 1", 10.0),
            shell("embedpos", true, "true", 12.0),
        ]);
        run(b, &ctx).unwrap().finish().unwrap();
        let v = read_json(&ctx);
        assert_eq!(v["groups"][0]["contenders"].as_array().unwrap().len(), 1);
        std::fs::remove_dir_all(&ctx.out).unwrap();
    }

    #[test]
    fn a_tool_that_writes_no_vectors_fails_even_with_an_old_file_there() {
        let ctx = ctx("novectors", 1);
        let stale = ctx.out.join("stale.vec");
        std::fs::write(&stale, "1 1\nx 0.5\n").unwrap();
        let quiet = Contender::anchor("quiet", Ok(PathBuf::from("sh")), |sh, _| {
            let mut cmd = Command::new(sh);
            cmd.args(["-c", "true"]);
            Ok(vec![Stage::new("", cmd)])
        })
        .scored(Output::Vectors(stale.clone(), Format::Text));
        let b = bench(vec![quiet, shell("embedpos", true, "true", 1.0)]);
        run(b, &ctx).unwrap().finish().unwrap();
        let v = read_json(&ctx);
        let problem = v["groups"][0]["contenders"][0]["problem"].as_str().unwrap();
        assert!(
            problem.contains("wrote no") && problem.contains("stale.vec"),
            "{problem}"
        );
        std::fs::remove_dir_all(&ctx.out).unwrap();
    }

    #[test]
    fn stats_are_mean_sample_sd_min_max() {
        let s = Stats::of(&[1.0, 2.0, 3.0]);
        assert_eq!((s.mean, s.sd, s.min, s.max), (2.0, 1.0, 1.0, 3.0));
        assert_eq!(Stats::of(&[5.0]).sd, 0.0);
    }
}
