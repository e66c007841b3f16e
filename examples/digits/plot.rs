//! The training curves as a PNG: training loss per step on the left, test
//! accuracy at each evaluation on the right. Text is drawn with a font
//! that a crate ships (`epaint_default_fonts`' Ubuntu Light, through
//! plotters' `ab_glyph` feature), so no system font library is needed.

use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};
use std::path::Path;
use std::sync::Once;

/// A point on each curve: `(step, value)`.
pub struct Curves<'a> {
    pub loss: &'a [(u32, f32)],
    pub accuracy: &'a [(u32, f32)],
}

/// Why the picture could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("cannot draw {path}: {message}")]
pub struct PlotError {
    path: String,
    message: String,
}

const SIZE: (u32, u32) = (960, 360);

/// Draw `curves` into the PNG at `path`.
pub fn draw(path: &Path, curves: &Curves) -> Result<(), PlotError> {
    let failed = |e: &dyn std::fmt::Display| PlotError {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    register_fonts().map_err(|e| failed(&e))?;
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(|e| failed(&e))?;
    let (left, right) = root.split_horizontally(SIZE.0 / 2);
    let last_step = curves.loss.last().map_or(1, |&(s, _)| s.max(1));
    let max_loss = curves.loss.iter().map(|&(_, l)| l).fold(0.1, f32::max);
    panel(
        &left,
        "training loss (cross-entropy)",
        curves.loss,
        (0.0..max_loss * 1.05, RED),
        last_step,
    )
    .map_err(|e| failed(&e))?;
    panel(
        &right,
        "test accuracy",
        curves.accuracy,
        (0.0..1.0, BLUE),
        last_step,
    )
    .map_err(|e| failed(&e))?;
    root.present().map_err(|e| failed(&e))
}

type Area<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;

fn panel(
    area: &Area,
    title: &str,
    points: &[(u32, f32)],
    (range, color): (std::ops::Range<f32>, RGBColor),
    last_step: u32,
) -> Result<(), DrawingAreaErrorKind<<BitMapBackend<'static> as DrawingBackend>::ErrorType>> {
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(48)
        .build_cartesian_2d(0u32..last_step, range)?;
    chart
        .configure_mesh()
        .x_desc("step")
        .light_line_style(WHITE)
        .label_style(("sans-serif", 14))
        .draw()?;
    chart.draw_series(LineSeries::new(
        points.iter().copied(),
        color.stroke_width(2),
    ))?;
    Ok(())
}

/// Register the font once per process.
fn register_fonts() -> Result<(), String> {
    static ONCE: Once = Once::new();
    let mut result = Ok(());
    ONCE.call_once(|| {
        result = register_font(
            "sans-serif",
            FontStyle::Normal,
            epaint_default_fonts::UBUNTU_LIGHT,
        )
        .map_err(|_| "the bundled font does not parse".to_string());
    });
    result
}
