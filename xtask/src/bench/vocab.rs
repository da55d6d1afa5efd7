//! Vocabulary counting: `embedpos vocab` against word2vec C's vocabulary pass.

use super::Common;
use crate::util::{
    anchors, bench_dir, best, embedpos_bin, mb, plain_corpus, run_measured, Measured, Result,
};
use embedpos_tokenize::{CorpusReader, PreTokenizer, Scratch, Tokenizer};
use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

fn read_vocab(path: &Path) -> Result<HashMap<String, u64>> {
    let text = std::fs::read_to_string(path)?;
    let mut m = HashMap::new();
    for line in text.lines() {
        let mut it = line.split(' ');
        if let (Some(w), Some(c)) = (it.next(), it.next()) {
            m.insert(w.to_string(), c.parse()?);
        }
    }
    Ok(m)
}

pub fn run(c: Common) -> Result {
    let corpus = plain_corpus(&c.corpus)?;
    let size = std::fs::metadata(&corpus)?.len();
    let anchors = anchors()?;
    let ours_bin = embedpos_bin()?;
    let out = bench_dir()?;
    let theirs_vocab = out.join("vocab-word2vec.txt");
    let ours_vocab = out.join("vocab-embedpos.txt");

    // Same run, alternating word2vec C and ours; the fastest of `repeat`
    // runs of each is reported (the machine is shared and noisy).
    let mut theirs: Option<Measured> = None;
    let mut ours: Option<Measured> = None;
    let threads = c.threads.to_string();
    for _ in 0..c.repeat.max(1) {
        let t = run_measured(
            Command::new(anchors.join("venv/bin/word2vec"))
                .arg("-train")
                .arg(&corpus)
                .arg("-save-vocab")
                .arg(&theirs_vocab)
                .args(["-min-count", "5", "-threads", &threads])
                .stdout(Stdio::null()),
        )?;
        let o = run_measured(
            Command::new(&ours_bin)
                .args([
                    "vocab",
                    "--quiet",
                    "--min-count",
                    "5",
                    "--threads",
                    &threads,
                ])
                .arg(&corpus)
                .arg("-o")
                .arg(&ours_vocab),
        )?;
        theirs = Some(best(theirs, t));
        ours = Some(best(ours, o));
    }
    let (Some(theirs), Some(ours)) = (theirs, ours) else {
        return Err("no run".into());
    };

    let mut a = read_vocab(&theirs_vocab)?;
    a.remove("</s>");
    let b = read_vocab(&ours_vocab)?;
    let mut diffs: Vec<String> = a
        .iter()
        .filter(|(w, n)| b.get(*w) != Some(n))
        .map(|(w, n)| format!("{w}: word2vec {n}, embedpos {:?}", b.get(w)))
        .collect();
    diffs.extend(
        b.keys()
            .filter(|w| !a.contains_key(*w))
            .map(|w| format!("{w}: only in embedpos")),
    );
    diffs.sort();

    println!(
        "vocabulary pass on {} ({}), min-count 5, {} threads, best of {}",
        corpus.display(),
        mb(size),
        c.threads,
        c.repeat.max(1)
    );
    println!(
        "{:<12} {:>10} {:>10} {:>10} {:>12}",
        "tool", "wall s", "cpu s", "MB/s", "peak RSS"
    );
    for (name, m) in [("word2vec C", theirs), ("embedpos", ours)] {
        println!(
            "{:<12} {:>10.3} {:>10.3} {:>10.1} {:>12}",
            name,
            m.wall.as_secs_f64(),
            m.cpu.as_secs_f64(),
            size as f64 / 1e6 / m.wall.as_secs_f64(),
            mb(m.peak_rss)
        );
    }
    println!(
        "speed ratio (word2vec C wall / embedpos wall): {:.2}x; RSS ratio {:.2}",
        theirs.wall.as_secs_f64() / ours.wall.as_secs_f64(),
        ours.peak_rss as f64 / theirs.peak_rss as f64
    );
    println!(
        "words: {} in both; counts differing: {}",
        b.len(),
        diffs.len()
    );
    for d in diffs.iter().take(10) {
        println!("  {d}");
    }

    // Pre-tokenizer throughput, in process, single thread.
    for (name, pre, path) in [
        (
            "words (UAX #29)",
            PreTokenizer::Words {
                keep_punctuation: false,
            },
            corpus.clone(),
        ),
        (
            "cjk (jieba)",
            PreTokenizer::Cjk {
                keep_punctuation: false,
            },
            chinese_sample(&out)?,
        ),
    ] {
        let tok = Tokenizer {
            pre_tokenizer: pre,
            ..Default::default()
        };
        let mut reader = CorpusReader::open(&[&path])?;
        let mut line = String::new();
        let mut scratch = Scratch::default();
        let mut n = 0u64;
        let start = Instant::now();
        while reader.read_line(&mut line)? {
            tok.for_each_token(&line, &mut scratch, |_| n += 1);
            line.clear();
        }
        let secs = start.elapsed().as_secs_f64();
        let bytes = reader.stats().bytes;
        println!(
            "pre-tokenizer {name}: {:.1} MB/s on {} ({} tokens), one thread",
            bytes as f64 / 1e6 / secs,
            mb(bytes),
            n
        );
    }
    if !diffs.is_empty() {
        return Err(format!("{} words have different counts", diffs.len()).into());
    }
    Ok(())
}

/// About 20 MB of mixed Chinese/English text built from a few sentences.
fn chinese_sample(dir: &Path) -> Result<std::path::PathBuf> {
    const SENTENCES: [&str; 8] = [
        "我们在北京大学学习自然语言处理和机器学习。",
        "今天天气很好，我和朋友一起去公园散步。",
        "这个模型使用 word2vec 和 fastText 训练词向量。",
        "南京市长江大桥是一座非常有名的桥梁。",
        "研究人员发现位置编码对于长文本非常重要。",
        "他说中文和英文，也会写 Rust 程序。",
        "小明硕士毕业于中国科学院计算所，后在日本京都大学深造。",
        "数据中心的服务器每天处理数百万个请求。",
    ];
    let path = dir.join("zh-sample.txt");
    if path.exists() {
        return Ok(path);
    }
    let mut text = String::new();
    let mut i = 0usize;
    while text.len() < 20_000_000 {
        for k in 0..6 {
            text.push_str(SENTENCES[(i * 7 + k * 3) % SENTENCES.len()]);
        }
        text.push('\n');
        i += 1;
    }
    std::fs::write(&path, text)?;
    Ok(path)
}
