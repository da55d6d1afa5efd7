//! PNG plots (plotters, bitmap backend): a heatmap of the table or bias, the
//! similarity of positions against offset (or the bias against distance), and
//! for RoPE the wavelength of every pair under each scaling.
//!
//! Text is drawn with DejaVu Sans, bundled in `assets/` (Bitstream Vera
//! licence, see `assets/LICENSE-DejaVu.txt`), so plots do not depend on the
//! fonts installed on the machine.

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::chart::SeriesAnno;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;

use super::{comparison_settings, scaling_comparison, similarity_curve};
use crate::alibi::alibi_slopes;
use crate::error::{Error, Result};
use crate::spec::{EncodingSpec, Kind};

static FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");
const SIZE: (u32, u32) = (1000, 700);
/// Heatmap cells per axis at most; larger tables are sampled.
const GRID: usize = 480;
/// Points per curve at most; longer curves keep each bin's min and max.
const CURVE_POINTS: usize = 4000;

fn fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // the bundled file is a valid TrueType font; a failure would only
        // drop the labels
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

/// Draws every plot that applies to `spec` into folder `dir` (created if
/// missing) and returns the files written: `{kind}-heatmap.png`, then
/// `{kind}-similarity.png` (tables, RoPE) or `{kind}-bias.png` (ALiBi, T5),
/// and for RoPE `rope-frequencies.png`.
pub fn plot_all(spec: &EncodingSpec, dir: &Path) -> Result<Vec<PathBuf>> {
    spec.validate()?;
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let name = spec.kind.name();
    let mut out = vec![dir.join(format!("{name}-heatmap.png"))];
    heatmap(spec, &out[0])?;
    match spec.kind {
        Kind::Alibi | Kind::T5 => {
            out.push(dir.join(format!("{name}-bias.png")));
            bias_vs_distance(spec, &out[1])?;
        }
        _ => {
            out.push(dir.join(format!("{name}-similarity.png")));
            similarity(spec, &out[1])?;
        }
    }
    if spec.kind == Kind::Rope {
        out.push(dir.join("rope-frequencies.png"));
        rope_frequencies(spec, &out[2])?;
    }
    Ok(out)
}

/// Heatmap of the table (rows = positions) or, for ALiBi and T5, of the
/// `[q, k]` bias of up to four heads. Large inputs are sampled at bin centres.
///
/// Written atomically: drawn into a hidden temporary file beside `path`,
/// renamed into place once complete.
pub fn heatmap(spec: &EncodingSpec, path: &Path) -> Result<()> {
    atomically(path, |tmp| draw_heatmap(spec, tmp))
}

/// Cosine similarity of positions `p` and `p + k` against `k`.
///
/// Written atomically: drawn into a hidden temporary file beside `path`,
/// renamed into place once complete.
pub fn similarity(spec: &EncodingSpec, path: &Path) -> Result<()> {
    atomically(path, |tmp| draw_similarity(spec, tmp))
}

/// ALiBi or T5 bias against distance to an earlier key, one curve per head
/// (at most eight).
///
/// Written atomically: drawn into a hidden temporary file beside `path`,
/// renamed into place once complete.
pub fn bias_vs_distance(spec: &EncodingSpec, path: &Path) -> Result<()> {
    atomically(path, |tmp| draw_bias_vs_distance(spec, tmp))
}

/// RoPE: wavelength of every pair under each scaling (log scale), with the
/// trained and extended context lengths marked.
///
/// Written atomically: drawn into a hidden temporary file beside `path`,
/// renamed into place once complete.
pub fn rope_frequencies(spec: &EncodingSpec, path: &Path) -> Result<()> {
    atomically(path, |tmp| draw_rope_frequencies(spec, tmp))
}

/// Runs `draw` on a hidden temporary PNG beside `path` and renames it into
/// place once complete, so that a failed or interrupted plot never leaves
/// half a picture where a good one was. Errors name `path`.
fn atomically(path: &Path, draw: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // plotters picks the image format by the extension: keep `.png` last.
    let tmp = path.with_file_name(format!(".{name}.{}.tmp.png", std::process::id()));
    let result = draw(&tmp).and_then(|()| {
        std::fs::rename(&tmp, path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|e| match e {
        Error::Plot { message, .. } => Error::Plot {
            path: path.to_path_buf(),
            message,
        },
        other => other,
    })
}

fn plot_err<E: std::fmt::Display>(path: &Path) -> impl Fn(E) -> Error + '_ {
    move |e| Error::Plot {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// A white picture of `SIZE` to draw on, to be written to `path`.
fn canvas(path: &Path) -> Result<DrawingArea<BitMapBackend<'_>, Shift>> {
    fonts();
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(plot_err(path))?;
    Ok(root)
}

/// A chart over the whole of `root` captioned `title`, with room for the
/// labels of the axes (`y_labels` pixels wide for the y axis).
fn line_chart<'a, 'b>(
    root: &'a DrawingArea<BitMapBackend<'b>, Shift>,
    title: String,
    y_labels: u32,
) -> ChartBuilder<'a, 'static, BitMapBackend<'b>> {
    let mut chart = ChartBuilder::on(root);
    chart
        .caption(title, ("sans-serif", 20))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(y_labels);
    chart
}

/// Writes the label of a value on an axis.
type LabelFormat<V> = dyn Fn(&V) -> String;

/// Draws the grid of a line chart with axes described as `x_desc` and
/// `y_desc`, and the y labels written by `y_format` when given.
fn draw_mesh<X, Y>(
    chart: &mut ChartContext<'_, BitMapBackend<'_>, Cartesian2d<X, Y>>,
    (x_desc, y_desc): (&str, &str),
    y_format: Option<&LabelFormat<Y::ValueType>>,
    path: &Path,
) -> Result<()>
where
    X: Ranged + ValueFormatter<X::ValueType>,
    Y: Ranged + ValueFormatter<Y::ValueType>,
{
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(x_desc)
        .y_desc(y_desc)
        .label_style(("sans-serif", 13));
    if let Some(f) = y_format {
        mesh.y_label_formatter(f);
    }
    mesh.draw().map_err(plot_err(path))
}

/// Names the series just drawn `label` in the legend, shown as a short line
/// of `style`.
fn in_legend(series: &mut SeriesAnno<'_, BitMapBackend<'_>>, label: String, style: ShapeStyle) {
    series
        .label(label)
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
}

/// Draws the legend of `chart` at `position`, on a light background.
fn draw_legend<'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, BitMapBackend<'a>, CT>,
    position: SeriesLabelPosition,
    path: &Path,
) -> Result<()> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 13))
        .draw()
        .map_err(plot_err(path))
}

/// Evenly spaced sample indices (bin centres) of `0..n`, at most `max`.
fn sample(n: usize, max: usize) -> Vec<usize> {
    if n <= max {
        return (0..n).collect();
    }
    (0..max).map(|i| ((2 * i + 1) * n) / (2 * max)).collect()
}

/// Heatmap data: sampled rows (positions or queries) × sampled columns.
struct Grid {
    rows: Vec<usize>,
    cols: Vec<usize>,
    values: Vec<Vec<f32>>,
    row_label: &'static str,
    col_label: &'static str,
    title: String,
}

fn table_grid(spec: &EncodingSpec) -> Result<Grid> {
    let n = spec.positions;
    let rows = sample(n, GRID);
    let (width, values, col_label): (usize, Vec<Vec<f32>>, _) = match spec.kind {
        Kind::Sinusoidal => {
            let s = spec.sinusoidal()?;
            let v = rows
                .iter()
                .map(|&p| s.table(spec.offset + p, 1).map(|t| t.into_vec()))
                .collect::<Result<_>>()?;
            (spec.dim, v, "dimension")
        }
        Kind::Learned => {
            let t = spec.learned()?;
            let v = rows
                .iter()
                .map(|&p| t.get(spec.offset + p).map(<[f32]>::to_vec))
                .collect::<Result<_>>()?;
            (spec.dim, v, "dimension")
        }
        _ => {
            // RoPE: [cos | sin] per pair, exactly as RopeCache computes them
            let f = spec.rope()?.frequencies(spec.offset + n);
            let h = f.inv_freq.len();
            let v = rows
                .iter()
                .map(|&p| {
                    let p = (spec.offset + p) as f64;
                    let cos = f
                        .inv_freq
                        .iter()
                        .map(|w| (f.attention_factor * (p * w).cos()) as f32);
                    let sin = f
                        .inv_freq
                        .iter()
                        .map(|w| (f.attention_factor * (p * w).sin()) as f32);
                    cos.chain(sin).collect()
                })
                .collect();
            (2 * h, v, "cos of pairs 0.. | sin of pairs 0..")
        }
    };
    let cols = sample(width, GRID);
    let values = values
        .into_iter()
        .map(|r: Vec<f32>| cols.iter().map(|&c| r[c]).collect())
        .collect();
    Ok(Grid {
        rows,
        cols,
        values,
        row_label: "position",
        col_label,
        title: format!(
            "{} positions {}..{}, d = {}",
            spec.kind.name(),
            spec.offset,
            spec.offset + n,
            spec.dim
        ),
    })
}

fn bias_grids(spec: &EncodingSpec) -> Result<Vec<Grid>> {
    let n = spec.positions;
    let idx = sample(n, GRID / 2);
    let shown: Vec<usize> = sample(spec.heads, 4);
    let t5 = if spec.kind == Kind::T5 {
        Some(spec.t5_bias()?)
    } else {
        None
    };
    let slopes = alibi_slopes(spec.heads)?;
    Ok(shown
        .into_iter()
        .map(|h| {
            let values =
                idx.iter()
                    .map(|&i| {
                        idx.iter()
                            .map(|&j| match &t5 {
                                Some(t) => t.table()
                                    [t.config().bucket(j as i64 - i as i64) * t.heads() + h],
                                None if spec.causal && j > i => f32::NEG_INFINITY,
                                None => (-slopes[h] * i.abs_diff(j) as f64) as f32,
                            })
                            .collect()
                    })
                    .collect();
            Grid {
                rows: idx.clone(),
                cols: idx.clone(),
                values,
                row_label: "query",
                col_label: "key",
                title: format!("head {h}"),
            }
        })
        .collect())
}

fn draw_heatmap(spec: &EncodingSpec, path: &Path) -> Result<()> {
    let err = plot_err(path);
    let grids = match spec.kind {
        Kind::Alibi | Kind::T5 => bias_grids(spec)?,
        _ => vec![table_grid(spec)?],
    };
    let finite = grids
        .iter()
        .flat_map(|g| g.values.iter().flatten())
        .filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &v| {
        (a.min(v), b.max(v))
    });
    let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 0.0) };
    let diverging = lo < 0.0 && hi > 0.0;
    let vmax = lo.abs().max(hi.abs()).max(f32::MIN_POSITIVE);
    let color = |v: f32| -> RGBColor {
        if !v.is_finite() {
            return RGBColor(190, 190, 190);
        }
        if diverging {
            diverging_color(v / vmax)
        } else {
            sequential_color(if hi > lo { (v - lo) / (hi - lo) } else { 0.5 })
        }
    };

    let root = canvas(path)?;
    let sampled = grids.first().is_some_and(|g| g.rows.len() < spec.positions);
    let caption = format!(
        "{} ({}){}",
        match spec.kind {
            Kind::Alibi => format!(
                "ALiBi bias, {} heads{}",
                spec.heads,
                if spec.causal { ", causal" } else { "" }
            ),
            Kind::T5 => format!("T5 relative bias (random init), {} heads", spec.heads),
            _ => grids[0].title.clone(),
        },
        if diverging {
            format!("colour: -{vmax:.3} blue .. +{vmax:.3} red")
        } else {
            format!("colour: {lo:.3} dark .. {hi:.3} light; grey = -inf")
        },
        if sampled { ", sampled" } else { "" }
    );
    let root = root.titled(&caption, ("sans-serif", 20)).map_err(&err)?;
    let panels: Vec<DrawingArea<_, Shift>> = root.split_evenly((1, grids.len()));
    for (area, g) in panels.iter().zip(&grids) {
        let n_rows = g.rows.len() as f64;
        let n_cols = g.cols.len() as f64;
        let row_max = g.rows.last().map_or(1, |&r| r + 1);
        let col_max = g.cols.last().map_or(1, |&c| c + 1);
        let mut chart = ChartBuilder::on(area)
            .margin(8)
            .caption(
                if grids.len() > 1 {
                    g.title.as_str()
                } else {
                    ""
                },
                ("sans-serif", 16),
            )
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(0f64..n_cols, n_rows..0f64)
            .map_err(&err)?;
        let (rows, cols) = (g.rows.clone(), g.cols.clone());
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(g.col_label)
            .y_desc(g.row_label)
            .x_label_formatter(&|x| cols.get(*x as usize).map_or(col_max, |&c| c).to_string())
            .y_label_formatter(&|y| rows.get(*y as usize).map_or(row_max, |&r| r).to_string())
            .label_style(("sans-serif", 12))
            .draw()
            .map_err(&err)?;
        chart
            .draw_series(g.values.iter().enumerate().flat_map(|(r, row)| {
                row.iter().enumerate().map(move |(c, &v)| {
                    Rectangle::new(
                        [(c as f64, r as f64), (c as f64 + 1.0, r as f64 + 1.0)],
                        color(v).filled(),
                    )
                })
            }))
            .map_err(&err)?;
    }
    root.present().map_err(&err)?;
    Ok(())
}

/// Blue (−1) through light grey (0) to red (+1), after matplotlib's coolwarm.
fn diverging_color(t: f32) -> RGBColor {
    let t = t.clamp(-1.0, 1.0);
    let (a, b, u) = if t < 0.0 {
        ((59.0, 76.0, 192.0), (221.0, 221.0, 221.0), t + 1.0)
    } else {
        ((221.0, 221.0, 221.0), (180.0, 4.0, 38.0), t)
    };
    let mix = |x: f32, y: f32| (x + (y - x) * u) as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Dark blue (0) to pale yellow (1).
fn sequential_color(t: f32) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let mix = |x: f32, y: f32| (x + (y - x) * t) as u8;
    RGBColor(mix(20.0, 250.0), mix(30.0, 240.0), mix(110.0, 160.0))
}

/// Keeps at most `CURVE_POINTS` points, each bin's min and max in order.
fn envelope(curve: &[f64]) -> Vec<(f64, f64)> {
    if curve.len() <= CURVE_POINTS {
        return curve
            .iter()
            .enumerate()
            .map(|(k, &v)| (k as f64, v))
            .collect();
    }
    let bins = CURVE_POINTS / 2;
    let mut out = Vec::with_capacity(CURVE_POINTS);
    for b in 0..bins {
        let (s, e) = (b * curve.len() / bins, (b + 1) * curve.len() / bins);
        let seg = &curve[s..e];
        let (imin, imax) = seg.iter().enumerate().fold((0, 0), |(lo, hi), (i, &v)| {
            (
                if v < seg[lo] { i } else { lo },
                if v > seg[hi] { i } else { hi },
            )
        });
        let mut pts = [(s + imin, seg[imin]), (s + imax, seg[imax])];
        pts.sort_by_key(|p| p.0);
        out.extend(pts.iter().map(|&(k, v)| (k as f64, v)));
    }
    out
}

fn draw_similarity(spec: &EncodingSpec, path: &Path) -> Result<()> {
    let err = plot_err(path);
    let curve = similarity_curve(spec)?;
    let pts = envelope(&curve);
    let root = canvas(path)?;
    let what = match spec.kind {
        Kind::Learned => "mean over p, random init".to_string(),
        Kind::Rope => format!("RoPE long-term decay, scaling {}", spec.scaling.name()),
        _ => "same for every p".to_string(),
    };
    let lo = curve.iter().copied().fold(1.0f64, f64::min).min(0.0);
    let title = format!(
        "{}: cosine similarity of p and p+k, d = {} ({what})",
        spec.kind.name(),
        spec.dim
    );
    let mut chart = line_chart(&root, title, 60)
        .build_cartesian_2d(0f64..curve.len() as f64, (lo - 0.05)..1.05f64)
        .map_err(&err)?;
    draw_mesh(&mut chart, ("offset k", "cosine similarity"), None, path)?;
    chart
        .draw_series(LineSeries::new(pts, BLUE.stroke_width(1)))
        .map_err(&err)?;
    chart
        .draw_series(LineSeries::new(
            [(0.0, 0.0), (curve.len() as f64, 0.0)],
            BLACK.mix(0.4),
        ))
        .map_err(&err)?;
    root.present().map_err(&err)?;
    Ok(())
}

fn draw_bias_vs_distance(spec: &EncodingSpec, path: &Path) -> Result<()> {
    let err = plot_err(path);
    let n = spec.positions;
    let heads = sample(spec.heads, 8);
    let curves: Vec<(usize, Vec<f64>)> = match spec.kind {
        Kind::T5 => {
            let t = spec.t5_bias()?;
            heads
                .iter()
                .map(|&h| {
                    let c = (0..n)
                        .map(|d| t.table()[t.config().bucket(-(d as i64)) * t.heads() + h] as f64)
                        .collect();
                    (h, c)
                })
                .collect()
        }
        _ => {
            let s = alibi_slopes(spec.heads)?;
            heads
                .iter()
                .map(|&h| (h, (0..n).map(|d| -s[h] * d as f64).collect()))
                .collect()
        }
    };
    let (lo, hi) = curves
        .iter()
        .flat_map(|(_, c)| c)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let pad = ((hi - lo) * 0.05).max(1e-3);
    let root = canvas(path)?;
    let title = match spec.kind {
        Kind::T5 => {
            let c = spec.t5_config();
            format!(
                "T5 bias vs distance to an earlier key ({} buckets, max distance {}, random init)",
                c.num_buckets, c.max_distance
            )
        }
        _ => format!("ALiBi bias vs distance, {} heads", spec.heads),
    };
    let mut chart = line_chart(&root, title, 70)
        .build_cartesian_2d(0f64..n as f64, (lo - pad)..(hi + pad))
        .map_err(&err)?;
    let axes = ("distance |i - j|", "bias added to the logit");
    draw_mesh(&mut chart, axes, None, path)?;
    for (i, (h, c)) in curves.iter().enumerate() {
        let style = Palette99::pick(i).to_rgba().stroke_width(2);
        let series = chart
            .draw_series(LineSeries::new(envelope(c), style))
            .map_err(&err)?;
        in_legend(series, format!("head {h}"), style);
    }
    // (plotters' default place for the legend)
    draw_legend(&mut chart, SeriesLabelPosition::MiddleRight, path)?;
    root.present().map_err(&err)?;
    Ok(())
}

fn draw_rope_frequencies(spec: &EncodingSpec, path: &Path) -> Result<()> {
    let err = plot_err(path);
    let series = scaling_comparison(spec)?;
    let (lo, hi) = series
        .iter()
        .flat_map(|s| &s.wavelengths)
        .fold((f64::INFINITY, 0.0f64), |(a, b), &v| (a.min(v), b.max(v)));
    let pairs = series.first().map_or(1, |s| s.wavelengths.len());
    let (factor, l0) = comparison_settings(spec);
    let l0 = l0.unwrap_or(4096) as f64;
    let root = canvas(path)?;
    let title = format!(
        "RoPE wavelengths per pair: rotary dim {}, base {}, trained length {l0}",
        spec.rotary_dim.unwrap_or(spec.dim),
        spec.base
    );
    let last_pair = (pairs as f64 - 1.0).max(1.0);
    let mut chart = line_chart(&root, title, 80)
        .build_cartesian_2d(0f64..last_pair, (lo * 0.8..hi * 1.25).log_scale())
        .map_err(&err)?;
    let axes = ("pair index i", "wavelength 2*pi/theta_i (positions)");
    draw_mesh(&mut chart, axes, Some(&|y| format!("{y:.0e}")), path)?;
    for (i, s) in series.iter().enumerate() {
        let style = Palette99::pick(i).to_rgba().stroke_width(2);
        let wavelengths = s.wavelengths.iter().enumerate();
        let series = chart
            .draw_series(LineSeries::new(
                wavelengths.map(|(k, &w)| (k as f64, w)),
                style,
            ))
            .map_err(&err)?;
        let label = format!("{} (attention factor {:.3})", s.scaling, s.attention_factor);
        in_legend(series, label, style);
    }
    for (len, label) in [(l0, "trained length"), (l0 * factor, "extended length")] {
        let style = BLACK.mix(0.5).stroke_width(1);
        let series = chart
            .draw_series(LineSeries::new([(0.0, len), (last_pair, len)], style))
            .map_err(&err)?;
        in_legend(series, format!("{label} {len:.0}"), style);
    }
    draw_legend(&mut chart, SeriesLabelPosition::UpperLeft, path)?;
    root.present().map_err(&err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_writes_real_pngs() {
        let dir = tempfile::tempdir().unwrap();
        for spec in crate::spec::small_spec_of_every_kind(64) {
            let kind = spec.kind;
            let spec = EncodingSpec {
                causal: kind == Kind::Alibi,
                ..spec
            };
            let files = plot_all(&spec, dir.path()).unwrap();
            assert_eq!(files.len(), if kind == Kind::Rope { 3 } else { 2 });
            for f in files {
                let bytes = std::fs::read(&f).unwrap();
                assert_eq!(&bytes[1..4], b"PNG", "{}", f.display());
                assert!(bytes.len() > 5000, "{}", f.display());
            }
        }
        // Only the finished pictures are left: no temporary file.
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
    }

    #[test]
    fn a_failed_plot_keeps_the_old_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.png");
        std::fs::write(&path, "old").unwrap();
        let e = atomically(&path, |tmp| {
            std::fs::write(tmp, "partial").unwrap();
            Err(Error::Plot {
                path: tmp.to_path_buf(),
                message: "failed".into(),
            })
        })
        .unwrap_err();
        assert!(
            matches!(e, Error::Plot { path: ref p, .. } if p == &path),
            "{e}"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn envelope_keeps_extremes() {
        let c: Vec<f64> = (0..100_000).map(|k| ((k as f64) * 0.37).sin()).collect();
        let e = envelope(&c);
        assert!(e.len() <= CURVE_POINTS);
        assert!(e.iter().any(|p| p.1 > 0.999) && e.iter().any(|p| p.1 < -0.999));
    }
}
