//! `embedpos posenc table|analyze|plot` end to end: values against the
//! formulas computed here in f64, the JSON report, real PNGs, and bad input.

use embedpos_tests::{embedpos_fails, embedpos_ok, read_npy, s};
use std::path::Path;

/// Reads a CSV written by `posenc table`: header, then rows whose leading
/// index columns are dropped (`lead` of them).
fn read_csv(path: &Path, lead: usize) -> Vec<Vec<f64>> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            l.split(',')
                .skip(lead)
                .map(|x| x.parse::<f64>().unwrap())
                .collect()
        })
        .collect()
}

/// Runs `embedpos --quiet posenc` with `args`, checks that it succeeded and
/// returns its standard output.
fn posenc(args: &[&str]) -> String {
    embedpos_ok(&[&["--quiet", "posenc"], args].concat())
}

/// Runs `embedpos --quiet posenc command --kind kind options -o out` and
/// checks that it succeeded.
fn posenc_to(command: &str, kind: &str, options: &[&str], out: &Path) {
    posenc(&[&[command, "--kind", kind], options, &["-o", s(out)]].concat());
}

#[test]
fn sinusoidal_table_matches_the_formula_in_both_formats() {
    let dir = tempfile::tempdir().unwrap();
    let (d, n, offset) = (10usize, 50usize, 1000usize);
    let table = |name: &str| {
        let path = dir.path().join(name);
        let (d, n, offset) = (d.to_string(), n.to_string(), offset.to_string());
        let options = ["--dim", &d, "-n", &n, "--offset", &offset];
        posenc_to("table", "sinusoidal", &options, &path);
        path
    };
    let rows = read_csv(&table("pe.csv"), 1);
    assert_eq!(rows.len(), n);
    for (p, row) in rows.iter().enumerate() {
        assert_eq!(row.len(), d);
        for i in 0..d / 2 {
            let angle = (p + offset) as f64 / 10000f64.powf(2.0 * i as f64 / d as f64);
            // f32 output of an f64-accurate angle: within f32 rounding.
            assert!(
                (row[2 * i] - angle.sin()).abs() < 1e-6,
                "p {p} col {}",
                2 * i
            );
            assert!(
                (row[2 * i + 1] - angle.cos()).abs() < 1e-6,
                "p {p} col {}",
                2 * i + 1
            );
        }
    }
    // The .npy of the same table: a valid header with the shape, then f32 LE.
    let npy = read_npy(&table("pe.npy"));
    assert!(
        npy.header.contains(&format!("'shape': ({n}, {d})")),
        "{}",
        npy.header
    );
    let values = npy.values;
    let flat: Vec<f64> = rows.into_iter().flatten().collect();
    assert_eq!(values.len(), flat.len());
    for (a, b) in values.iter().zip(&flat) {
        assert!((*a as f64 - b).abs() < 1e-7);
    }
}

#[test]
fn alibi_bias_follows_the_slope_rule_for_three_heads() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("alibi.csv");
    posenc_to("table", "alibi", &["--heads", "3", "-n", "5"], &csv);
    // Three heads: the two slopes of 2 heads (2^-4, 2^-8), then every other
    // slope of 4 heads (2^-2).
    let slopes = [2f64.powi(-4), 2f64.powi(-8), 2f64.powi(-2)];
    let rows = read_csv(&csv, 2);
    assert_eq!(rows.len(), 3 * 5);
    for (h, slope) in slopes.iter().enumerate() {
        for i in 0..5 {
            let row = &rows[h * 5 + i];
            assert_eq!(row.len(), 5);
            for (j, got) in row.iter().enumerate() {
                let want = -slope * (i as f64 - j as f64).abs();
                assert!((got - want).abs() < 1e-9, "head {h} ({i},{j})");
            }
        }
    }
}

#[test]
fn analyze_reports_json_and_plot_writes_pngs() {
    let out = posenc(&[
        "analyze", "--kind", "rope", "--dim", "32", "-n", "256", "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let wl = v["wavelengths"]["wavelengths"]
        .as_array()
        .expect("wavelengths");
    assert_eq!(wl.len(), 16, "one wavelength per rotated pair");
    // RoPE: <R(m)q, R(n)k> depends on m - n only, to f32 rounding.
    let dev = v["relative"]["max_deviation_f32"]
        .as_f64()
        .expect("deviation");
    assert!(dev < 1e-4, "relative-offset deviation {dev}");
    assert!(!v["findings"].as_array().expect("findings").is_empty());

    let dir = tempfile::tempdir().unwrap();
    let plots = dir.path().join("plots");
    let options = [
        "--dim",
        "32",
        "-n",
        "64",
        "--scaling",
        "yarn",
        "--factor",
        "4",
    ];
    posenc_to("plot", "rope", &options, &plots);
    let pngs: Vec<_> = std::fs::read_dir(&plots)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(pngs.len() >= 3, "{pngs:?}");
    for p in pngs {
        let bytes = std::fs::read(&p).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{}", p.display());
    }
}

#[test]
fn bad_posenc_arguments_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let npy = dir.path().join("x.npy");
    let (out, txt) = (s(&npy), dir.path().join("x.txt"));
    for (args, want) in [
        (vec!["sinusoidal", "--dim", "0", "-o", out], "dim"),
        (vec!["rope", "--scaling", "yarn", "-o", out], "--factor"),
        (vec!["sinusoidal", "-o", s(&txt)], ".npy or .csv"),
        (vec!["nope", "-o", out], "nope"),
    ] {
        embedpos_fails(
            &[&["posenc", "table", "--kind"], &args[..]].concat(),
            &[want],
        );
    }
    assert!(!npy.exists());
    assert!(!txt.exists());
}
