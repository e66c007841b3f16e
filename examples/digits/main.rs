//! A real-data training run: a small MLP (64-128-10, ReLU) learns
//! scikit-learn's 8x8 handwritten digits with `rjax-optim`'s Adam, one
//! jitted step per minibatch, and reports its accuracy on held-out images.
//!
//! ```text
//! cargo run --release --example digits                # full run, ~97% test accuracy
//! cargo run --release --example digits -- --steps 50  # a short run
//! cargo run --release --example digits -- --resume    # continue from the checkpoint
//! ```
//!
//! It shows a progress bar with the loss and throughput (when stderr is a
//! terminal), saves the parameters and the optimizer state as a
//! safetensors checkpoint, and draws the loss and accuracy curves into a
//! PNG; all three files go to `--out` (`target/digits` by default).

mod data;
mod plot;

use clap::Parser;
use data::{CLASSES, DataError, Digits, PIXELS};
use indicatif::{ProgressBar, ProgressStyle};
use plot::{Curves, PlotError};
use rjax::prelude::*;
use rjax::{nn, random};
use rjax_optim::{GradientTransformation, OptState, adam, apply_updates, checkpoint};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

const HIDDEN: usize = 128;
const BATCH: usize = 128;
const LEARNING_RATE: f64 = 3e-3;
/// Images held out for testing (20% of 1,797).
const TEST_IMAGES: usize = 360;
/// Steps between two evaluations on the test images.
const EVAL_EVERY: u32 = 25;
const SEED: u64 = 0;

#[derive(Parser, Debug, Clone)]
#[command(about = "Train an MLP on scikit-learn's 8x8 digits with rjax")]
struct Options {
    /// Training steps for this run (after the checkpoint's, with --resume).
    #[arg(long, default_value_t = 1000)]
    steps: u32,
    /// Continue from the checkpoint in the output directory.
    #[arg(long)]
    resume: bool,
    /// Where the checkpoint, the curves (history.csv) and the PNG go.
    #[arg(long, default_value = "target/digits")]
    out: PathBuf,
}

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
enum RunError {
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(transparent)]
    Rjax(#[from] rjax::Error),
    #[error(transparent)]
    Plot(#[from] PlotError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no checkpoint at {0}: run once without --resume first")]
    NoCheckpoint(PathBuf),
    #[error("{path}, line {line}: not a history line")]
    History { path: PathBuf, line: usize },
}

#[derive(Tree, Clone)]
struct Mlp {
    w1: Array,
    b1: Array,
    w2: Array,
    b2: Array,
}

/// Everything a checkpoint holds: parameters, Adam's state and the step.
#[derive(Tree, Clone)]
struct TrainState {
    params: Mlp,
    opt_state: OptState,
    step: Array,
}

impl Mlp {
    /// He-initialized weights, zero biases.
    fn init(seed: u64) -> Mlp {
        let layer = |i: u64, fan_in: usize, fan_out: usize| {
            let scale = (2.0 / fan_in as f64).sqrt();
            let w = random::normal(&random::key(seed + i), &[fan_in, fan_out], DType::F32) * scale;
            (w, jnp::zeros(&[fan_out], DType::F32))
        };
        let (w1, b1) = layer(1, PIXELS, HIDDEN);
        let (w2, b2) = layer(2, HIDDEN, CLASSES);
        Mlp { w1, b1, w2, b2 }
    }

    fn logits(&self, images: &Array) -> Array {
        let hidden = nn::relu(&(jnp::dot(images, &self.w1) + &self.b1));
        jnp::dot(&hidden, &self.w2) + &self.b2
    }

    /// Mean softmax cross-entropy against integer labels.
    fn loss(&self, images: &Array, labels: &Array) -> Array {
        let log_p = nn::log_softmax(&self.logits(images), -1);
        let picked = jnp::sum(
            &(log_p * nn::one_hot(labels, CLASSES, DType::F32)),
            -1,
            false,
        );
        -picked.mean()
    }

    /// The fraction of `labels` predicted right.
    fn accuracy(&self, images: &Array, labels: &Array) -> Array {
        let predicted = jnp::argmax(&self.logits(images), Some(-1), false);
        jnp::equal(&predicted, labels).astype(DType::F32).mean()
    }
}

/// What a run did.
struct Summary {
    /// `(step, training loss)` of this run's steps.
    loss: Vec<(u32, f32)>,
    /// The step count after the run.
    steps: u32,
    test_accuracy: f32,
    png: PathBuf,
}

fn main() -> ExitCode {
    let options = Options::parse();
    match run(&options) {
        Ok(summary) => {
            if let (Some(first), Some(last)) = (summary.loss.first(), summary.loss.last()) {
                println!(
                    "training loss {:.3} at step {} -> {:.3} at step {}",
                    first.1, first.0, last.1, last.0
                );
            }
            println!(
                "test accuracy after {} steps: {:.1}% ({} held-out images); curves in {}",
                summary.steps,
                summary.test_accuracy * 100.0,
                TEST_IMAGES,
                summary.png.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("digits: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(options: &Options) -> Result<Summary, RunError> {
    let digits = data::load()?;
    let (train, test) = split(&digits);
    let test_images = Array::from_slice(&test.images, &[test.len(), PIXELS]);
    let test_labels = Array::from_slice(&test.labels, &[test.len()]);
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| RunError::Io { path, source }
    };
    fs::create_dir_all(&options.out).map_err(io(&options.out))?;
    let checkpoint_path = options.out.join("digits.safetensors");
    let history_path = options.out.join("history.csv");

    let optimizer = adam(LEARNING_RATE);
    let params = Mlp::init(SEED);
    let fresh = TrainState {
        opt_state: optimizer.init(&params)?,
        params,
        step: Array::scalar(0u32),
    };
    let (mut state, mut history) = if options.resume {
        if !checkpoint_path.exists() {
            return Err(RunError::NoCheckpoint(checkpoint_path));
        }
        let state = checkpoint::load(&checkpoint_path, &fresh)?;
        let step = state.step.item::<u32>()?;
        (state, History::read(&history_path, step)?)
    } else {
        (fresh, History::default())
    };
    let first_step = state.step.item::<u32>()?;

    let train_step = jit(|(state, images, labels): (TrainState, Array, Array)| {
        let loss_of = |params: Mlp| params.loss(&images, &labels);
        let (loss, grads) = value_and_grad(loss_of)(state.params.clone())?;
        let (updates, opt_state) =
            optimizer.update(&grads, &state.opt_state, Some(&state.params))?;
        let params = apply_updates(&state.params, &updates)?;
        let step = &state.step + 1;
        Ok((
            TrainState {
                params,
                opt_state,
                step,
            },
            loss,
        ))
    });
    let evaluate =
        jit(|(params, images, labels): (Mlp, Array, Array)| params.accuracy(&images, &labels));
    let test_accuracy = |params: &Mlp| -> Result<f32, RunError> {
        let accuracy = evaluate.call((params.clone(), test_images.clone(), test_labels.clone()))?;
        Ok(accuracy.item::<f32>()?)
    };
    if history.accuracy.is_empty() {
        history
            .accuracy
            .push((first_step, test_accuracy(&state.params)?));
    }

    let bar = progress_bar(options.steps);
    let mut batches = Batches::new(&train);
    let mut run_loss = Vec::new();
    let mut started = Instant::now();
    for step in first_step..first_step + options.steps {
        let batch = batches.at(step);
        let images = Array::from_slice(&batch.images, &[BATCH, PIXELS]);
        let labels = Array::from_slice(&batch.labels, &[BATCH]);
        let loss;
        (state, loss) = train_step.call((state, images, labels))?;
        let loss = loss.item::<f32>()?;
        run_loss.push((step + 1, loss));
        history.loss.push((step + 1, loss));
        if (step + 1) % EVAL_EVERY == 0 {
            history
                .accuracy
                .push((step + 1, test_accuracy(&state.params)?));
        }
        // Throughput from the end of the first step, which compiles.
        if step == first_step {
            started = Instant::now();
        }
        let done = (step - first_step) as f64;
        let rate = done * BATCH as f64 / started.elapsed().as_secs_f64().max(1e-6);
        bar.set_message(format!("loss {loss:.3}  {rate:.0} images/s"));
        bar.inc(1);
    }
    bar.finish_and_clear();

    let test_accuracy = test_accuracy(&state.params)?;
    checkpoint::save(&checkpoint_path, &state)?;
    history.write(&history_path)?;
    let png = options.out.join("digits.png");
    plot::draw(
        &png,
        &Curves {
            loss: &history.loss,
            accuracy: &history.accuracy,
        },
    )?;
    Ok(Summary {
        loss: run_loss,
        steps: state.step.item::<u32>()?,
        test_accuracy,
        png,
    })
}

fn progress_bar(steps: u32) -> ProgressBar {
    let bar = ProgressBar::new(steps.into());
    match ProgressStyle::with_template("{bar:40.cyan/blue} {pos}/{len} steps  {msg}  [{elapsed}]") {
        Ok(style) => bar.with_style(style),
        Err(_) => bar,
    }
}

/// A fixed shuffle of the 1,797 images into training and test images.
fn split(digits: &Digits) -> (Digits, Digits) {
    let order = permutation(digits.len(), SEED);
    let (test, train) = order.split_at(TEST_IMAGES);
    (digits.select(train), digits.select(test))
}

/// Minibatches: each epoch visits the training images in a shuffled order
/// that depends on the epoch alone, so a resumed run draws the batches the
/// uninterrupted one would have.
struct Batches<'a> {
    train: &'a Digits,
    epoch: Option<(usize, Vec<usize>)>,
}

impl<'a> Batches<'a> {
    fn new(train: &'a Digits) -> Batches<'a> {
        Batches { train, epoch: None }
    }

    fn at(&mut self, step: u32) -> Digits {
        let per_epoch = self.train.len() / BATCH;
        let (epoch, index) = (step as usize / per_epoch, step as usize % per_epoch);
        if self.epoch.as_ref().is_none_or(|(e, _)| *e != epoch) {
            let order = permutation(self.train.len(), SEED + 1 + epoch as u64);
            self.epoch = Some((epoch, order));
        }
        let order = self.epoch.as_ref().map_or(&[][..], |(_, o)| &o[..]);
        self.train
            .select(&order[index * BATCH..(index + 1) * BATCH])
    }
}

/// A Fisher-Yates shuffle of `0..n` driven by SplitMix64 from `seed`.
fn permutation(n: usize, seed: u64) -> Vec<usize> {
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        order.swap(i, (next() % (i as u64 + 1)) as usize);
    }
    order
}

/// The curves so far, kept beside the checkpoint as `history.csv` lines
/// `loss,STEP,VALUE` and `accuracy,STEP,VALUE`.
#[derive(Default)]
struct History {
    loss: Vec<(u32, f32)>,
    accuracy: Vec<(u32, f32)>,
}

impl History {
    /// The history up to `step` (a later part belongs to no checkpoint).
    fn read(path: &Path, step: u32) -> Result<History, RunError> {
        let text = fs::read_to_string(path).map_err(|source| RunError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut history = History::default();
        for (i, line) in text.lines().enumerate() {
            let bad = || RunError::History {
                path: path.to_path_buf(),
                line: i + 1,
            };
            let fields: Vec<&str> = line.split(',').collect();
            let [curve, s, v] = fields[..] else {
                return Err(bad());
            };
            let (Ok(s), Ok(v)) = (s.parse::<u32>(), v.parse::<f32>()) else {
                return Err(bad());
            };
            let curve = match curve {
                "loss" => &mut history.loss,
                "accuracy" => &mut history.accuracy,
                _ => return Err(bad()),
            };
            if s <= step {
                curve.push((s, v));
            }
        }
        Ok(history)
    }

    fn write(&self, path: &Path) -> Result<(), RunError> {
        let lines = self.loss.iter().map(|p| ("loss", p));
        let lines = lines.chain(self.accuracy.iter().map(|p| ("accuracy", p)));
        let text: String = lines
            .map(|(curve, (step, value))| format!("{curve},{step},{value}\n"))
            .collect();
        fs::write(path, text).map_err(|source| RunError::Io {
            path: path.to_path_buf(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example in short mode, as CI runs it: 50 steps must lower the
    /// loss and draw a PNG that decodes; `--resume` continues the count.
    #[test]
    fn a_short_run_learns_draws_its_curves_and_resumes() {
        let out = std::env::temp_dir().join(format!("rjax-digits-{}", std::process::id()));
        let out_arg = out.to_string_lossy().into_owned();
        let options = Options::parse_from(["digits", "--steps", "50", "--out", &out_arg]);
        let first = run(&options).unwrap_or_else(|e| panic!("{e}"));
        let mean =
            |points: &[(u32, f32)]| points.iter().map(|p| p.1).sum::<f32>() / points.len() as f32;
        let (start, end) = (mean(&first.loss[..5]), mean(&first.loss[45..]));
        assert!(end < 0.5 * start, "loss {start} -> {end}");
        assert_eq!(first.steps, 50);

        let file = fs::File::open(&first.png).unwrap();
        let mut reader = png::Decoder::new(file).read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size()];
        let frame = reader.next_frame(&mut pixels).unwrap();
        assert_eq!((frame.width, frame.height), (960, 360));
        assert!(pixels.iter().any(|&p| p != 255), "the picture is not blank");

        let resumed = Options {
            steps: 5,
            resume: true,
            ..options
        };
        let second = run(&resumed).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(second.steps, 55);
        assert_eq!(second.loss[0].0, 51);
        assert!(
            mean(&second.loss) < start,
            "the resumed run starts where the first ended"
        );
        fs::remove_dir_all(&out).unwrap();
    }
}
