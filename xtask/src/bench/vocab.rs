//! Vocabulary counting: `embedpos vocab` against word2vec C's vocabulary
//! pass (`-save-vocab`), alternating in one run; then the counts of both are
//! compared word by word, and the pre-tokenizers' throughput is measured in
//! process.

use super::anchors::Tool;
use super::runner::{self, Bench, Contender, Group, Output};
use super::{fixed, Common, Ctx};
use crate::args;
use crate::util::{mb, Result};
use embedpos_tokenize::{CorpusReader, PreTokenizer, Scratch, Tokenizer};
use serde_json::json;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

fn read_vocab(path: &Path) -> Result<HashMap<String, u64>> {
    let text = std::fs::read_to_string(path)?;
    let mut m = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let mut it = line.split(' ');
        if let (Some(w), Some(c)) = (it.next(), it.next()) {
            let n = c.parse().map_err(|_| {
                format!("{}:{}: unexpected line {line:.80?}", path.display(), i + 1)
            })?;
            m.insert(w.to_string(), n);
        }
    }
    m.remove("</s>");
    Ok(m)
}

/// The words a vocabulary file holds, as a figure of the run.
fn words_of(path: PathBuf) -> Output {
    Output::Custom(Box::new(move || {
        Ok(vec![("words", read_vocab(&path)?.len() as f64)])
    }))
}

pub fn run(c: Common) -> Result {
    let ctx = Ctx::new(&c, &[Tool::Word2vec], None, 3)?;
    let theirs_vocab = ctx.out.join("vocab-word2vec.txt");
    let ours_vocab = ctx.out.join("vocab-embedpos.txt");
    let threads = ctx.threads.to_string();
    let theirs = Contender::anchor(
        "word2vec C",
        ctx.anchors.find(Tool::Word2vec),
        fixed(args![
            "-train",
            &ctx.corpus,
            "-save-vocab",
            &theirs_vocab,
            "-min-count",
            "5",
            "-threads",
            &threads,
        ]),
    )
    .scored(words_of(theirs_vocab.clone()));
    let ours = ctx.ours(
        args![
            "vocab",
            "--quiet",
            "--min-count",
            "5",
            "--threads",
            &threads,
            &ctx.corpus,
            "-o",
            &ours_vocab,
        ],
        words_of(ours_vocab.clone()),
    );
    let group = Group::new("vocab", vec![theirs, ours]).work(
        "MB/s",
        ctx.bytes as f64 / 1e6,
        "corpus MB / wall time",
    );
    let bench = Bench {
        name: "vocab",
        what: "vocabulary pass".into(),
        settings: vec![("min-count", json!(5))],
        groups: vec![group],
        notes: Vec::new(),
    };
    let report = runner::run(bench, &ctx)?;

    // The counts, word by word, when both sides ran.
    let mut diffs: Vec<String> = Vec::new();
    if report.ok("vocab", "word2vec C") && report.ok("vocab", "embedpos") {
        let a = read_vocab(&theirs_vocab)?;
        let b = read_vocab(&ours_vocab)?;
        diffs = a
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
            "words: {} in embedpos, {} in word2vec C; counts differing: {}",
            b.len(),
            a.len(),
            diffs.len()
        );
        for d in diffs.iter().take(10) {
            println!("  {d}");
        }
    }

    // Pre-tokenizer throughput, in process, single thread.
    for (name, pre, path) in [
        (
            "words (UAX #29)",
            PreTokenizer::Words {
                keep_punctuation: false,
            },
            ctx.corpus.clone(),
        ),
        (
            "cjk (jieba)",
            PreTokenizer::Cjk {
                keep_punctuation: false,
            },
            chinese_sample(&ctx.out)?,
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
    report.finish()
}

/// About 20 MB of mixed Chinese/English text built from a few sentences.
fn chinese_sample(dir: &Path) -> Result<PathBuf> {
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
