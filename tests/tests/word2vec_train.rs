//! word2vec training end to end on the planted-relation fixture corpus
//! (about 1 M tokens whose analogies are known by construction): every
//! model/loss pair learns the planted analogies, the loss falls epoch after
//! epoch, one thread with a seed is bit-for-bit reproducible, bad input gives
//! clear errors, and `embedpos train word2vec` writes its output atomically.
//!
//! These tests train real models: run them in release mode
//! (`cargo test --release`), where each takes a few seconds on 2 cores.

use embedpos_embed::train::{Loss, LossRecorder, Model, Word2Vec, Word2VecConfig};
use embedpos_embed::{Embeddings, Error};
use embedpos_tests::{
    assert_falls_every_epoch, bits, dir_names, embedpos_fails, embedpos_ok, planted_accuracy,
    planted_corpus, s, train_recorded, write_file,
};

/// Settings that learn the planted relations in a few seconds.
fn config(model: Model, loss: Loss) -> Word2VecConfig {
    Word2VecConfig {
        model,
        loss,
        dim: 50,
        window: 5,
        negative: 5,
        sample: 1e-3,
        min_count: 5,
        epochs: 5,
        threads: 2,
        ..Default::default()
    }
}

fn check_learns_planted_analogies(model: Model, loss: Loss) {
    let (emb, curve, took) = train_recorded(|losses| {
        Word2Vec::new(config(model, loss))
            .unwrap()
            .train_with(&[planted_corpus()], losses)
            .unwrap()
    });
    let acc = planted_accuracy(&emb);
    eprintln!(
        "{model:?}/{loss:?}: planted analogy accuracy {acc:.3}, loss per epoch {curve:.4?}, {took:.1?}"
    );
    assert!(acc >= 0.9, "{model:?}/{loss:?}: accuracy {acc:.3} < 0.9");
    assert_eq!(curve.len(), 5);
    assert_falls_every_epoch(&curve, &format!("{model:?}/{loss:?}"));
}

/// One test per model and loss, each a call of
/// [`check_learns_planted_analogies`].
macro_rules! learns_planted_analogies {
    ($($name:ident: $model:ident, $loss:ident;)*) => {$(
        #[test]
        fn $name() {
            check_learns_planted_analogies(Model::$model, Loss::$loss);
        }
    )*};
}

learns_planted_analogies! {
    skipgram_negative_sampling_learns_planted_analogies: SkipGram, NegativeSampling;
    skipgram_hierarchical_softmax_learns_planted_analogies: SkipGram, HierarchicalSoftmax;
    cbow_negative_sampling_learns_planted_analogies: Cbow, NegativeSampling;
    cbow_hierarchical_softmax_learns_planted_analogies: Cbow, HierarchicalSoftmax;
}

/// A small, fast configuration for the tests that do not measure accuracy.
fn quick(model: Model, loss: Loss) -> Word2VecConfig {
    Word2VecConfig {
        dim: 16,
        epochs: 1,
        threads: 1,
        seed: 7,
        ..config(model, loss)
    }
}

#[test]
fn one_thread_with_a_seed_is_bit_for_bit_reproducible() {
    for (model, loss) in [
        (Model::SkipGram, Loss::NegativeSampling),
        (Model::Cbow, Loss::HierarchicalSoftmax),
    ] {
        let train = |seed| {
            Word2Vec::new(Word2VecConfig {
                seed,
                ..quick(model, loss)
            })
            .unwrap()
            .train(&[planted_corpus()])
            .unwrap()
        };
        let (a, b, c) = (train(7), train(7), train(8));
        assert_eq!(a.vocab(), b.vocab());
        assert!(bits(&a) == bits(&b), "{model:?}/{loss:?}: two runs differ");
        assert!(
            bits(&a) != bits(&c),
            "{model:?}/{loss:?}: the seed changes nothing"
        );
    }
}

/// Shuffled blocks: every epoch reads every word once, the planted
/// relations are learnt, one thread with a seed stays reproducible, and the
/// order really differs from the file's.
#[test]
fn shuffled_blocks_read_every_word_and_learn() {
    let mut rec = LossRecorder::default();
    let emb = Word2Vec::new(Word2VecConfig {
        shuffle_blocks: true,
        ..config(Model::SkipGram, Loss::NegativeSampling)
    })
    .unwrap()
    .train_with(&[planted_corpus()], &mut rec)
    .unwrap();
    let acc = planted_accuracy(&emb);
    assert!(acc >= 0.9, "accuracy {acc:.3} < 0.9");
    let mut plain = LossRecorder::default();
    let train = |shuffle_blocks, rec: &mut LossRecorder| {
        Word2Vec::new(Word2VecConfig {
            shuffle_blocks,
            ..quick(Model::SkipGram, Loss::NegativeSampling)
        })
        .unwrap()
        .train_with(&[planted_corpus()], rec)
        .unwrap()
    };
    let file_order = train(false, &mut plain);
    let words = plain.epochs[0].done;
    assert!(rec.epochs.iter().all(|e| e.done == words), "{rec:?}");
    let (a, b) = (
        train(true, &mut LossRecorder::default()),
        train(true, &mut LossRecorder::default()),
    );
    assert!(bits(&a) == bits(&b), "two shuffled runs differ");
    assert!(bits(&a) != bits(&file_order), "shuffling changed nothing");
}

#[test]
fn vocabulary_is_in_word2vec_order() {
    let emb = Word2Vec::new(quick(Model::Cbow, Loss::NegativeSampling))
        .unwrap()
        .train(&[planted_corpus()])
        .unwrap();
    let counts = emb.vocab().counts();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]));
    assert!(counts.iter().all(|&c| c >= 5));
    // Ties keep the order of first appearance, as word2vec C's stable sort.
    let text = std::fs::read_to_string(planted_corpus()).unwrap();
    let mut first = std::collections::HashMap::new();
    for (i, w) in text.split_whitespace().enumerate() {
        first.entry(w).or_insert(i);
    }
    let v = emb.vocab();
    for i in 1..v.len() as u32 {
        if v.count(i - 1) == v.count(i) {
            assert!(
                first[v.token(i - 1)] < first[v.token(i)],
                "{} / {}",
                v.token(i - 1),
                v.token(i)
            );
        }
    }
}

#[test]
fn observer_can_stop_training_early() {
    use embedpos_embed::train::{EpochEnd, Finish, Observer, Progress};
    use std::ops::ControlFlow;
    #[derive(Default)]
    struct StopAfterOne {
        progress: usize,
        epochs: usize,
        finish: Option<Finish>,
    }
    impl Observer for StopAfterOne {
        fn on_progress(&mut self, p: &Progress) -> ControlFlow<()> {
            assert!(p.lr > 0.0 && p.fraction() <= 1.0);
            self.progress += 1;
            ControlFlow::Continue(())
        }
        fn on_epoch_end(&mut self, _: &EpochEnd) -> ControlFlow<()> {
            self.epochs += 1;
            ControlFlow::Break(())
        }
        fn on_finish(&mut self, f: &Finish) {
            self.finish = Some(*f);
        }
    }
    let mut obs = StopAfterOne::default();
    let emb = Word2Vec::new(Word2VecConfig {
        epochs: 4,
        ..quick(Model::Cbow, Loss::NegativeSampling)
    })
    .unwrap()
    .train_with(&[planted_corpus()], &mut obs)
    .unwrap();
    assert!(emb.len() > 100);
    let f = obs.finish.expect("on_finish is called");
    assert!(f.stopped && f.epochs_done == 1, "{f:?}");
    assert_eq!(obs.epochs, 1);
    assert!(
        obs.progress >= 1,
        "on_progress is called at least at every epoch end"
    );
}

#[test]
fn bad_input_gives_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write_file(dir.path(), "empty.txt", " \n\n\t\n");
    let rare = write_file(dir.path(), "rare.txt", "a b c d\ne f g\n");
    let ok = quick(Model::SkipGram, Loss::NegativeSampling);
    let train_err = |path: &std::path::Path| {
        Word2Vec::new(ok.clone())
            .unwrap()
            .train(&[path])
            .unwrap_err()
    };
    let e = train_err(&empty);
    assert!(matches!(e, Error::EmptyCorpus { .. }), "{e}");
    assert!(e.to_string().contains("empty.txt"), "{e}");
    let e = train_err(&rare);
    assert!(matches!(e, Error::NoVocabulary { .. }), "{e}");
    assert!(e.to_string().contains("min_count"), "{e}");
    let e = train_err(&dir.path().join("missing.txt"));
    assert!(e.to_string().contains("missing.txt"), "{e}");
    for bad in [
        Word2VecConfig {
            dim: 0,
            ..ok.clone()
        },
        Word2VecConfig {
            window: 0,
            ..ok.clone()
        },
        Word2VecConfig {
            negative: 0,
            ..ok.clone()
        },
        Word2VecConfig {
            alpha: Some(0.0),
            ..ok.clone()
        },
        Word2VecConfig {
            alpha: Some(-0.1),
            ..ok.clone()
        },
        Word2VecConfig {
            epochs: 0,
            ..ok.clone()
        },
    ] {
        let e = Word2Vec::new(bad).unwrap_err();
        assert!(matches!(e, Error::Config(_)), "{e}");
    }
    // A single word: nothing to learn from, but no panic either.
    let one = write_file(dir.path(), "one.txt", "w w w w w w\n");
    for loss in [Loss::NegativeSampling, Loss::HierarchicalSoftmax] {
        for model in [Model::SkipGram, Model::Cbow] {
            let emb = Word2Vec::new(quick(model, loss))
                .unwrap()
                .train(&[&one])
                .unwrap();
            assert_eq!(emb.len(), 1);
        }
    }
}

#[test]
fn cli_trains_writes_atomically_and_reports_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("vectors.bin");
    let c = planted_corpus();
    let c = c.to_str().unwrap();
    let o = out.to_str().unwrap();
    let common = ["--dim", "12", "--epochs", "1", "--threads", "2", "--quiet"];
    embedpos_ok(
        &[
            &["train", "word2vec", c, "-o", o, "--model", "skipgram"],
            &common[..],
        ]
        .concat(),
    );
    let emb = Embeddings::load(&out, None).unwrap();
    assert_eq!(emb.dim(), 12);
    assert!(emb.len() > 100);
    let before = std::fs::read(&out).unwrap();

    // A failing run leaves the existing output as it was.
    let empty = write_file(dir.path(), "empty.txt", "");
    embedpos_fails(
        &[&["train", "word2vec", s(&empty), "-o", o], &common[..]].concat(),
        &["empty.txt", "no words"],
    );
    assert_eq!(std::fs::read(&out).unwrap(), before);

    // So does a run killed while training.
    let mut args = vec!["train", "word2vec", c, "-o", o, "--epochs", "50", "--quiet"];
    args.extend(["--threads", "1"]);
    let scratch = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(embedpos_tests::embedpos_bin())
        .args(&args)
        .env("TMPDIR", scratch.path())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    child.kill().unwrap();
    let _ = child.wait();
    assert_eq!(std::fs::read(&out).unwrap(), before);
    let names = dir_names(dir.path());
    assert_eq!(
        names.len(),
        2,
        "no temporary file left beside the output: {names:?}"
    );

    // Format from the extension, or --format; bad values are refused.
    let txt = dir.path().join("v.vec");
    embedpos_ok(
        &[
            &["train", "word2vec", c, "-o", s(&txt), "--loss", "hs"],
            &common[..],
        ]
        .concat(),
    );
    assert_eq!(Embeddings::load(&txt, None).unwrap().dim(), 12);
    let odd = dir.path().join("v.weird");
    let args = [&["train", "word2vec", c, "-o", s(&odd)], &common[..]].concat();
    embedpos_fails(&args, &[]);
    embedpos_ok(&[&args[..], &["--format", "epv"]].concat());
    assert_eq!(
        Embeddings::load(&odd, Some(embedpos_embed::Format::Native))
            .unwrap()
            .dim(),
        12
    );
    embedpos_fails(
        &[
            &["train", "word2vec", c, "-o", o, "--window", "0"],
            &common[..],
        ]
        .concat(),
        &["window"],
    );
}
