//! `jax.scipy`: [`special`] functions, [`stats`] distributions,
//! [`linalg`] solves and factorizations, and [`signal`] convolutions.

pub mod linalg;
pub mod signal;
pub mod special;
pub mod stats;
