//! Checkpoints: a resumed run is bit-identical to the uninterrupted one,
//! loading rejects another architecture, wrong shapes and damaged files,
//! and writing replaces a checkpoint whole or not at all.

use embedpos_input::{special::NUM_SPECIAL, vocab_with_specials, BatchConfig, BiasConfig, Mode};
use embedpos_model::{
    load_model, load_trainer, AdamWConfig, Dataset, Head, Model, ModelConfig, Pooling, Progress,
    StopWhen, TrainConfig, TrainData, Trainer,
};
use embedpos_tokenize::Vocab;

fn vocab() -> Vocab {
    let owned: Vec<(String, u64)> = (0..9).map(|i| (format!("w{i}"), 1)).collect();
    vocab_with_specials(owned.iter().map(|(t, c)| (t.as_str(), *c))).unwrap()
}

fn config() -> ModelConfig {
    ModelConfig {
        d_model: 16,
        layers: 2,
        heads: 2,
        dropout: 0.1,
        bias: BiasConfig::t5(),
        batch: BatchConfig {
            max_len: 12,
            ..Default::default()
        },
        ..Default::default()
    }
}

fn data() -> TrainData {
    let stream: Vec<u32> = (0..400)
        .map(|i| NUM_SPECIAL as u32 + ((i * i + 3 * i) % 9) as u32)
        .collect();
    TrainData {
        train: Dataset::Tokens(stream[..300].to_vec()),
        eval: Some(Dataset::Tokens(stream[300..].to_vec())),
    }
}

fn train_config(steps: u64) -> TrainConfig {
    TrainConfig {
        steps,
        batch_size: 4,
        optimizer: AdamWConfig {
            lr: 1e-2,
            ..Default::default()
        },
        warmup_steps: 2,
        min_lr: 1e-3,
        eval_every: 0,
        seed: 9,
        ..Default::default()
    }
}

fn bits<T: Copy + Into<f64>>(v: &[&[T]]) -> Vec<u64> {
    v.iter()
        .flat_map(|s| s.iter().map(|&x| Into::<f64>::into(x).to_bits()))
        .collect()
}

#[test]
fn a_resumed_run_is_bit_identical_to_the_uninterrupted_one() {
    let dir = tempfile::tempdir().unwrap();
    let ck = dir.path().join("ck");
    let model: Model = Model::random(config(), &vocab()).unwrap();
    let mut straight = Trainer::new(model.clone(), train_config(6)).unwrap();
    straight.run(&data(), &mut ()).unwrap();

    // the same run (its schedule spans 6 steps), stopped after 3
    let mut first = Trainer::new(model, train_config(6)).unwrap();
    first
        .run(&data(), &mut StopWhen(|p: &Progress| p.step == 3))
        .unwrap();
    first.state().save(&ck).unwrap();
    let mut resumed: Trainer = load_trainer(&ck).unwrap();
    assert_eq!(resumed.step(), 3);
    assert_eq!(
        bits(&resumed.model().param_values()),
        bits(&first.model().param_values())
    );
    resumed.run(&data(), &mut ()).unwrap();
    assert_eq!(
        bits(&resumed.model().param_values()),
        bits(&straight.model().param_values())
    );
    let moments = |t: &Trainer| {
        let m: Vec<&[f32]> = t
            .optimizer()
            .second_moments()
            .iter()
            .map(Vec::as_slice)
            .collect();
        bits(&m)
    };
    assert_eq!(moments(&resumed), moments(&straight));
}

#[test]
fn a_saved_model_gives_the_same_logits_and_its_files_are_documented() {
    let dir = tempfile::tempdir().unwrap();
    let ck = dir.path().join("m");
    let c = ModelConfig {
        head: Head::Classify {
            classes: 3,
            pooling: Pooling::Last,
        },
        ..config()
    };
    let model: Model = Model::random(c, &vocab()).unwrap();
    embedpos_model::save_model(&model, &ck).unwrap();
    let mut names: Vec<String> = std::fs::read_dir(&ck)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["config.json", "model.safetensors", "vocab.json"]);
    let loaded: Model = load_model(&ck).unwrap();
    let batch = model.batch_ids(&[vec![5u32, 6, 7], vec![8, 9]]).unwrap();
    assert_eq!(
        model.forward(&batch, Mode::Eval).unwrap(),
        loaded.forward(&batch, Mode::Eval).unwrap()
    );
    let f64_model: Model<f64> = load_model(&ck).unwrap();
    assert_eq!(f64_model.num_params(), model.num_params());
    // nothing left behind by the atomic write, and a second save replaces the first
    embedpos_model::save_model(&model, &ck).unwrap();
    let hidden: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "{hidden:?}");
}

fn err(r: embedpos_model::Result<impl std::fmt::Debug>) -> String {
    r.unwrap_err().to_string()
}

#[test]
fn loading_rejects_other_architectures_and_damaged_files() {
    let dir = tempfile::tempdir().unwrap();
    let ck = dir.path().join("m");
    let model: Model = Model::random(config(), &vocab()).unwrap();
    embedpos_model::save_model(&model, &ck).unwrap();
    let weights = ck.join("model.safetensors");

    // another architecture: wider MLP, one layer more, no T5 table
    let mut wide: Model = Model::random(
        ModelConfig {
            d_ff: Some(40),
            ..config()
        },
        &vocab(),
    )
    .unwrap();
    let e = err(wide.load_weights(&weights));
    assert!(
        e.contains(
            "\"blocks.0.mlp.fc.weight\" has shape [16, 64], this architecture needs [16, 40]"
        ),
        "{e}"
    );
    let mut deep: Model = Model::random(
        ModelConfig {
            layers: 3,
            ..config()
        },
        &vocab(),
    )
    .unwrap();
    let e = err(deep.load_weights(&weights));
    assert!(e.contains("no tensor \"blocks.2.ln1.weight\""), "{e}");
    let mut plain: Model = Model::random(
        ModelConfig {
            bias: BiasConfig::None,
            ..config()
        },
        &vocab(),
    )
    .unwrap();
    let e = err(plain.load_weights(&weights));
    assert!(
        e.contains("tensor(s) this architecture does not") && e.contains("attn.t5.weight"),
        "{e}"
    );

    // a truncated file
    let bytes = std::fs::read(&weights).unwrap();
    std::fs::write(&weights, &bytes[..bytes.len() - 10]).unwrap();
    let e = err(load_model::<f32>(&ck));
    assert!(
        e.contains("model.safetensors") && e.contains("truncated"),
        "{e}"
    );
    std::fs::write(&weights, &bytes[..5]).unwrap();
    assert!(err(load_model::<f32>(&ck)).contains("truncated"));

    // a config of another program, a missing file
    std::fs::write(&weights, &bytes).unwrap();
    let cfg = std::fs::read_to_string(ck.join("config.json")).unwrap();
    std::fs::write(
        ck.join("config.json"),
        cfg.replace("\"embedpos-model\"", "\"other\""),
    )
    .unwrap();
    assert!(err(load_model::<f32>(&ck)).contains("another program"));
    assert!(err(load_trainer::<f32>(&ck)).contains("config.json"));
    std::fs::write(ck.join("config.json"), cfg).unwrap();
    let e = err(load_trainer::<f32>(&ck));
    assert!(e.contains("train.json"), "{e}");
}

#[test]
fn a_folder_that_is_not_a_checkpoint_is_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let precious = dir.path().join("notes");
    std::fs::create_dir(&precious).unwrap();
    std::fs::write(precious.join("todo.txt"), "keep me").unwrap();
    let model: Model = Model::random(config(), &vocab()).unwrap();
    let e = err(embedpos_model::save_model(&model, &precious));
    assert!(e.contains("not a checkpoint folder"), "{e}");
    assert_eq!(
        std::fs::read_to_string(precious.join("todo.txt")).unwrap(),
        "keep me"
    );
}
