//! Our evaluation and queries against gensim's, on the same vector file; and
//! gensim reading our word2vec text and binary files back bit for bit.
//!
//! Needs `$EMBEDPOS_PYTHON` with gensim (set by `.ci/run`); skipped with a
//! notice otherwise. The vectors are synthetic with planted relations (one
//! offset per analogy section, plus noise), so that accuracies are neither 0
//! nor 1, and include case variants of words ("athens" and "Athens") in both
//! orders so the case-insensitive rules are exercised.

use embedpos_embed::eval::{AnalogySet, PairSet};
use embedpos_embed::{AnalogyConfig, AnalogyMethod, Embeddings, Format, Neighbor, PairsConfig};
use embedpos_tests::{python_output, python_with, write_file};
use embedpos_tokenize::Vocab;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Agreement required for every score: gensim's results to 5e-4.
const TOL: f64 = 0.0005;

const DIM: usize = 48;

const SCRIPT: &str = r#"
import json, sys, logging
import numpy as np
from gensim.models import KeyedVectors
spec = json.load(open(sys.argv[1]))
records = []
class Grab(logging.Handler):
    def emit(self, r): records.append(r)
log = logging.getLogger("gensim.models.keyedvectors")
log.setLevel(logging.INFO); log.addHandler(Grab()); log.propagate = False
kv = KeyedVectors.load_word2vec_format(spec["txt"], binary=False)
kb = KeyedVectors.load_word2vec_format(spec["bin"], binary=True)
out = {
  "keys_txt": kv.index_to_key, "keys_bin": kb.index_to_key,
  "txt_equals_bin": bool(np.array_equal(kv.vectors, kb.vectors)),
  "txt_equals_npy": bool(np.array_equal(kv.vectors, np.load(spec["npy"]))),
  "analogies": [], "pairs": [], "similar": [], "cosmul": [], "odd": [],
}
for a in spec["analogies"]:
    records.clear()
    score, sections = kv.evaluate_word_analogies(a["file"], restrict_vocab=a["restrict"],
        case_insensitive=a["ci"], dummy4unknown=a["dummy"])
    ratio = [r.args[0] for r in records if "out-of-vocabulary words" in str(r.msg)]
    out["analogies"].append({"score": score, "oov_ratio": ratio[0] if ratio else None,
        "sections": [[s["section"], len(s["correct"]), len(s["incorrect"])] for s in sections]})
for p in spec["pairs"]:
    pr, sp, oov = kv.evaluate_word_pairs(p["file"], restrict_vocab=p["restrict"],
        case_insensitive=p["ci"], dummy4unknown=p["dummy"])
    out["pairs"].append({"pearson": float(pr.statistic), "spearman": float(sp.statistic), "oov_ratio": oov})
for q in spec["similar"]:
    r = kv.most_similar(positive=q["pos"], negative=q["neg"], topn=q["topn"], restrict_vocab=q["restrict"])
    out["similar"].append([[w, float(s)] for w, s in r])
for q in spec["cosmul"]:
    r = kv.most_similar_cosmul(positive=q["pos"], negative=q["neg"], topn=q["topn"])
    out["cosmul"].append([[w, float(s)] for w, s in r])
for words in spec["odd"]:
    out["odd"].append(kv.doesnt_match(words))
print(json.dumps(out))
"#;

/// splitmix64 with Box–Muller normals: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn uniform(&mut self) -> f64 {
        ((self.next() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f32 {
        let (u, v) = (self.uniform(), self.uniform());
        ((-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()) as f32
    }
    fn vector(&mut self, scale: f32) -> Vec<f32> {
        (0..DIM).map(|_| self.normal() * scale).collect()
    }
}

fn test_data(py: &Path) -> PathBuf {
    let script = "import gensim, os; print(os.path.join(os.path.dirname(gensim.__file__), 'test', 'test_data'))";
    python_output(py, ["-c", script]).trim().into()
}

/// An evaluation file with its settings: `restrict_vocab`,
/// `case_insensitive`, `dummy4unknown`.
type EvalCase<'a> = (&'a PathBuf, usize, bool, bool);

/// How a failing check names evaluation `i` of `what`.
fn label(what: &str, i: usize, c: &EvalCase) -> String {
    format!(
        "{what} #{i} ({}, restrict {}, ci {}, dummy {})",
        c.0.file_name().unwrap().to_string_lossy(),
        c.1,
        c.2,
        c.3
    )
}

/// Our evaluation configuration `T` (`AnalogyConfig` or `PairsConfig`) with
/// the settings of [`EvalCase`] `c` and the other fields given.
macro_rules! with_settings {
    ($t:ident { $($field:ident: $value:expr),* }, $c:expr) => {
        $t {
            restrict_vocab: $c.1,
            case_insensitive: $c.2,
            dummy4unknown: $c.3,
            $($field: $value),*
        }
    };
}

fn strs(words: &[String]) -> Vec<&str> {
    words.iter().map(String::as_str).collect()
}

/// Vectors for every word of the evaluation files, with planted relations.
fn planted(analogies: &AnalogySet, pair_sets: &[&PairSet]) -> Embeddings {
    let mut rng = Rng(20240531);
    let mut vecs: HashMap<String, Vec<f32>> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    fn put(order: &mut Vec<String>, vecs: &mut HashMap<String, Vec<f32>>, w: &str, v: Vec<f32>) {
        if !vecs.contains_key(w) {
            order.push(w.to_string());
            vecs.insert(w.to_string(), v);
        }
    }
    for (_, questions) in &analogies.sections {
        let offset = rng.vector(0.6);
        for q in questions {
            for (x, y) in [(&q[0], &q[1]), (&q[2], &q[3])] {
                let base = match vecs.get(x.as_str()) {
                    Some(v) => v.clone(),
                    None => {
                        let v = rng.vector(1.0);
                        put(&mut order, &mut vecs, x, v.clone());
                        v
                    }
                };
                let v: Vec<f32> = base
                    .iter()
                    .zip(&offset)
                    .map(|(b, o)| b + o + 1.1 * rng.normal())
                    .collect();
                put(&mut order, &mut vecs, y, v);
            }
        }
    }
    for set in pair_sets {
        for (a, b, score) in &set.pairs {
            let (a, b) = (a.to_lowercase(), b.to_lowercase());
            if !vecs.contains_key(&a) {
                let v = rng.vector(1.0);
                put(&mut order, &mut vecs, &a, v);
            }
            let t = (*score as f32 / 10.0).clamp(0.0, 1.0);
            let base = vecs[&a].clone();
            let v = base
                .iter()
                .map(|x| t * x + (1.0 - t) * rng.normal())
                .collect();
            put(&mut order, &mut vecs, &b, v);
        }
    }
    // Case variants of every 5th word, and filler words.
    let words: Vec<String> = order.clone();
    for (i, w) in words.iter().enumerate() {
        let variant = if w.chars().any(char::is_uppercase) {
            w.to_lowercase()
        } else {
            w.to_uppercase()
        };
        if i % 5 == 0 && variant != *w {
            let v = vecs[w].iter().map(|x| x + 0.3 * rng.normal()).collect();
            put(&mut order, &mut vecs, &variant, v);
        }
    }
    for i in 0..300 {
        let v = rng.vector(1.0);
        put(&mut order, &mut vecs, &format!("filler{i}"), v);
    }
    // A deterministic shuffle puts some variants before their originals.
    let mut shuffled = order.clone();
    for i in (1..shuffled.len()).rev() {
        let j = (rng.next() % (i as u64 + 1)) as usize;
        shuffled.swap(i, j);
    }
    let n = shuffled.len() as u64;
    let matrix = shuffled.iter().flat_map(|w| vecs[w].clone()).collect();
    let vocab = Vocab::from_ordered(shuffled, (0..n).map(|i| n - i).collect()).unwrap();
    Embeddings::new(vocab, DIM, matrix).unwrap()
}

fn close(what: &str, ours: f64, theirs: f64) {
    assert!(
        (ours - theirs).abs() <= TOL,
        "{what}: ours {ours}, gensim {theirs}"
    );
    eprintln!(
        "{what}: ours {ours:.6} gensim {theirs:.6} diff {:.1e}",
        (ours - theirs).abs()
    );
}

/// [`close`] for every `(what, ours, key)`: our score against gensim's
/// `theirs[key]`.
fn close_to_gensim(label: &str, theirs: &Value, scores: &[(&str, f64, &str)]) {
    for &(what, ours, key) in scores {
        let want = theirs[key]
            .as_f64()
            .unwrap_or_else(|| panic!("{label}: gensim gave no {key}: {theirs}"));
        close(&format!("{label} {what}"), ours, want);
    }
}

#[test]
fn evaluation_and_queries_equal_gensim() {
    let Some(py) = python_with("gensim") else {
        return;
    };
    let td = test_data(&py);
    let questions = td.join("questions-words.txt");
    let ws353 = td.join("wordsim353.tsv");
    let simlex = td.join("simlex999.txt");
    let analogy_set = AnalogySet::read(&questions).unwrap();
    let ws_set = PairSet::read(&ws353, None).unwrap();
    let sl_set = PairSet::read(&simlex, None).unwrap();
    let emb = planted(&analogy_set, &[&ws_set, &sl_set]);
    let n = emb.len();
    eprintln!("{n} words, dim {DIM}");

    let dir = tempfile::tempdir().unwrap();
    let (txt, bin, npy) = (
        dir.path().join("v.txt"),
        dir.path().join("v.bin"),
        dir.path().join("v.npy"),
    );
    emb.save(&txt, Format::Word2VecText).unwrap();
    emb.save(&bin, Format::Word2VecBinary).unwrap();
    emb.save(&npy, Format::Npy).unwrap();
    // A small analogy file with the corner cases gensim has rules for.
    let w = |i: u32| emb.vocab().token(i).to_string();
    let small = write_file(
        dir.path(),
        "small.txt",
        format!(
            ": mixed\nathens greece BAGHDAD iraq\n{} {} {} {}\n\nfour words only here extra\n\
             : gram-odd\nnot in vocab words\n{} {} {} {}\n",
            w(3),
            w(4),
            w(5),
            w(6),
            w(7),
            w(7),
            w(8),
            w(9)
        ),
    );

    let restrict_small = n * 4 / 5;
    let analogy_cfgs = [
        (&questions, 30_000, true, false),
        (&questions, restrict_small, true, false),
        (&questions, restrict_small, false, true),
        (&small, 30_000, true, false),
        (&small, 30_000, false, true),
    ];
    let pair_cfgs = [
        (&ws353, 300_000, true, false),
        (&simlex, 300_000, true, false),
        (&ws353, restrict_small / 2, true, true),
        (&simlex, restrict_small / 2, false, false),
    ];
    let similar = [
        (vec![w(0)], vec![], 10, None),
        (vec![w(1), w(2)], vec![w(3)], 5, Some(500)),
        (vec![w(10)], vec![w(11), w(12)], 20, None),
        (vec![], vec![w(13)], 3, None),
    ];
    let cosmul = [(vec![w(1), w(2)], vec![w(3)], 5), (vec![w(20)], vec![], 7)];
    let odd = [vec![w(0), w(1), w(2), w(3)], vec![w(30), w(31), w(32)]];
    let spec = json!({
        "txt": txt, "bin": bin, "npy": npy,
        "analogies": analogy_cfgs.iter().map(|c| json!({"file": c.0, "restrict": c.1, "ci": c.2, "dummy": c.3})).collect::<Vec<_>>(),
        "pairs": pair_cfgs.iter().map(|c| json!({"file": c.0, "restrict": c.1, "ci": c.2, "dummy": c.3})).collect::<Vec<_>>(),
        "similar": similar.iter().map(|q| json!({"pos": q.0, "neg": q.1, "topn": q.2, "restrict": q.3})).collect::<Vec<_>>(),
        "cosmul": cosmul.iter().map(|q| json!({"pos": q.0, "neg": q.1, "topn": q.2})).collect::<Vec<_>>(),
        "odd": odd,
    });
    let spec_path = write_file(dir.path(), "spec.json", spec.to_string());
    let script = write_file(dir.path(), "gensim_side.py", SCRIPT);
    let g: Value = serde_json::from_str(&python_output(&py, [&script, &spec_path])).unwrap();

    // gensim reads our files back: same words, same order, same bits.
    let keys: Vec<&str> = emb.vocab().tokens().iter().map(String::as_str).collect();
    for k in ["keys_txt", "keys_bin"] {
        let theirs: Vec<&str> = g[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(theirs, keys, "{k}");
    }
    assert_eq!(
        g["txt_equals_bin"], true,
        "gensim reads different vectors from our .txt and .bin"
    );
    assert_eq!(
        g["txt_equals_npy"], true,
        "gensim's vectors differ from our .npy export"
    );

    for (i, c) in analogy_cfgs.iter().enumerate() {
        let cfg = with_settings!(
            AnalogyConfig {
                method: AnalogyMethod::Add
            },
            c
        );
        let ours = emb.evaluate_analogies(c.0, &cfg).unwrap();
        let theirs = &g["analogies"][i];
        let label = label("analogy", i, c);
        close_to_gensim(
            &label,
            theirs,
            &[
                ("total", ours.accuracy, "score"),
                ("oov %", ours.oov_ratio, "oov_ratio"),
            ],
        );
        let mut ours_sections: Vec<(String, u64, u64)> = ours
            .sections
            .iter()
            .map(|s| (s.name.clone(), s.correct as u64, s.incorrect as u64))
            .collect();
        ours_sections.push((
            "Total accuracy".into(),
            ours.total.correct as u64,
            ours.total.incorrect as u64,
        ));
        let theirs_sections: Vec<(String, u64, u64)> = theirs["sections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s[0].as_str().unwrap().into(),
                    s[1].as_u64().unwrap(),
                    s[2].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            ours_sections, theirs_sections,
            "{label}: per-section counts"
        );
        if i == 0 {
            eprintln!(
                "questions-words: accuracy {:.4} (semantic {:.4}, syntactic {:.4})",
                ours.accuracy,
                ours.semantic.accuracy(),
                ours.syntactic.accuracy()
            );
            assert!(
                ours.accuracy > 0.1 && ours.accuracy < 0.9,
                "planted vectors should give a middling accuracy"
            );
        }
    }
    for (i, c) in pair_cfgs.iter().enumerate() {
        let cfg = with_settings!(PairsConfig { delimiter: None }, c);
        let ours = emb.evaluate_word_pairs(c.0, &cfg).unwrap();
        let theirs = &g["pairs"][i];
        close_to_gensim(
            &label("pairs", i, c),
            theirs,
            &[
                ("spearman", ours.spearman, "spearman"),
                ("pearson", ours.pearson, "pearson"),
                ("oov %", ours.oov_ratio, "oov_ratio"),
            ],
        );
    }

    let check_list = |what: &str, ours: Vec<Neighbor>, theirs: &Value| {
        let ours: Vec<(String, f32)> = ours.into_iter().map(|n| (n.word, n.similarity)).collect();
        let theirs: Vec<(String, f64)> = theirs
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p[0].as_str().unwrap().to_string(), p[1].as_f64().unwrap()))
            .collect();
        assert_eq!(ours.len(), theirs.len(), "{what}");
        for ((ow, os), (tw, ts)) in ours.iter().zip(&theirs) {
            assert_eq!(ow, tw, "{what}: {ours:?} vs {theirs:?}");
            assert!((*os as f64 - ts).abs() < 1e-5, "{what}: {ow} {os} vs {ts}");
        }
    };
    for (i, q) in similar.iter().enumerate() {
        let r = emb
            .most_similar(&strs(&q.0), &strs(&q.1), q.2, q.3)
            .unwrap();
        check_list(&format!("most_similar #{i}"), r, &g["similar"][i]);
    }
    for (i, q) in cosmul.iter().enumerate() {
        let r = emb
            .most_similar_cosmul(&strs(&q.0), &strs(&q.1), q.2, None)
            .unwrap();
        check_list(&format!("cosmul #{i}"), r, &g["cosmul"][i]);
    }
    for (i, words) in odd.iter().enumerate() {
        assert_eq!(
            emb.doesnt_match(&strs(words)).unwrap(),
            g["odd"][i].as_str().unwrap(),
            "doesnt_match #{i}"
        );
    }
}
