//! PNG figures for the labs, drawn with [`plotters`] on its bitmap backend.
//!
//! Every figure function takes the output path first and a plain-data
//! description of the figure second, writes one PNG and returns
//! [`Result<()>`](Result):
//!
//! | function | figure |
//! | --- | --- |
//! | [`line_chart`] / [`line_charts`] | learning curves: named `(x, y)` series, one panel or several side by side |
//! | [`scatter`] | 2-D points coloured by class, optional decision-region background and lines |
//! | [`heat_map`] | a scalar field on a grid (e.g. a loss surface), colour bar, contour lines, optimiser path |
//! | [`image_grid`] | small grayscale images (e.g. MNIST digits) with captions |
//!
//! Conventions shared by all figures:
//!
//! - Non-finite values (NaN, ±∞) in user data are skipped, never a panic: a
//!   line series is broken at a NaN point, a scatter point with a NaN
//!   coordinate is not drawn, a heat-map cell with a NaN value is drawn grey.
//!   Empty data draws an empty (but labelled) figure where that makes sense;
//!   each function documents its errors.
//! - Grids ([`Regions`], [`HeatMap`]) are `nx` by `ny` cells covering an
//!   `x_range` × `y_range` rectangle, stored **row-major with the first row at
//!   the bottom**: `values[j * nx + i]` is the cell in column `i` (x grows with
//!   `i`) and row `j` (y grows with `j`), whose centre is
//!   `(x0 + (i + 0.5) * (x1 - x0) / nx, y0 + (j + 0.5) * (y1 - y0) / ny)`.
//!   [`grid_cell_centers`] returns exactly these centres in exactly this order,
//!   so evaluating a model on its output yields a correctly ordered grid.
//! - Text is rendered with the DejaVu Sans font embedded in the binary (from
//!   the `dejavu` crate), so no system fonts or font libraries are needed.
//! - Parent directories of the output path are created if missing.
//!
//! The code has one file per kind of figure (`line.rs`, `scatter.rs`, `heat_map.rs`,
//! `image_grid.rs`); what they share lives in `style.rs` (colours, fonts, number formats,
//! legends), `canvas.rs` (the bitmap backend with its own text drawing, and writing the PNG) and
//! `grid.rs` (the grid convention and contour lines).

mod canvas;
mod error;
mod grid;
mod heat_map;
mod image_grid;
mod line;
mod scatter;
mod style;
#[cfg(test)]
mod test_util;

pub use error::{PlotError, PlotErrorKind, Result};
pub use grid::{grid_cell_centers, points_from_flat};
pub use heat_map::{heat_map, HeatMap, HEAT_MAP_HEIGHT, HEAT_MAP_WIDTH};
pub use image_grid::{image_grid, image_grid_size, ImageGrid, ImageTile};
pub use line::{line_chart, line_charts, Panel, Series, PANEL_HEIGHT, PANEL_WIDTH};
pub use scatter::{scatter, Line, LineGeometry, RegionFill, Regions, Scatter, SCATTER_SIZE};
pub use style::{class_color, Rgb};
