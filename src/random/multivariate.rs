//! `multivariate_normal`: a factor of the covariance applied to standard
//! normal vectors, contracted as JAX's `einsum('...ij,...j->...i')` does;
//! and `orthogonal`, random orthogonal matrices from the QR decomposition of
//! normal ones.

use super::{KeyLike, Sampler, draw_with, sample_shape, standard_normal};
use crate::numpy as jnp;
use crate::{Array, DType, lax};
use rjax_ir::{DotDims, Error, ErrorKind, Result, broadcast_shapes};

/// How [`multivariate_normal`] factors the covariance `Σ = A Aᵀ` (JAX's
/// `method`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum CovFactor {
    /// The lower Cholesky factor (JAX's default); `Σ` must be positive
    /// definite.
    #[default]
    Cholesky,
    /// `V diag(sqrt(w))` from the eigendecomposition; allows singular `Σ`.
    /// rjax's eigensolver is Jacobi's, not LAPACK's: the samples agree
    /// with JAX's to rounding where the eigenvectors' signs agree.
    Eigh,
    /// `U diag(sqrt(s))` from the singular value decomposition; allows
    /// singular `Σ`. Like `Eigh`, it agrees with JAX's to rounding where the
    /// singular vectors' signs agree.
    Svd,
}

/// Multivariate normal samples of mean `mean` (`[..., n]`) and covariance
/// `cov` (`[..., n, n]`), `mean + A z` for standard normal vectors `z` and
/// the factor `A` of `cov` that `method` picks. The result has shape
/// `shape + [n]`; `shape` must be one the batch shapes of `mean` and `cov`
/// broadcast to (default: their broadcast shape). Both are converted to
/// `dtype`.
///
/// ```
/// use rjax::{random, Array, DType};
/// let mean = Array::from_slice(&[1.0f32, -2.0], &[2]);
/// let cov = Array::from_slice(&[4.0f32, 2.0, 2.0, 5.0], &[2, 2]);
/// let method = random::CovFactor::Cholesky;
/// let x = random::multivariate_normal(&random::key(0), &mean, &cov, Some(&[2]), DType::F32, method);
/// assert_eq!(x.to_vec::<f32>().unwrap(), vec![4.245284, 3.6731715, 0.13281113, -2.5908291]);
/// ```
#[track_caller]
pub fn multivariate_normal(
    key: &impl KeyLike,
    mean: &Array,
    cov: &Array,
    shape: Option<&[usize]>,
    dtype: DType,
    method: CovFactor,
) -> Array {
    let op = "multivariate_normal";
    let location = crate::location::current();
    let batch = || -> Result<Vec<usize>, Error> {
        let (m, c) = (mean.aval()?.shape, cov.aval()?.shape);
        let err = |message: String| Err(Error::new(ErrorKind::Shape, op, message));
        let Some((&n, mean_batch)) = m.split_last() else {
            return err("mean must have at least one axis".into());
        };
        if c.len() < 2 || c[c.len() - 2..] != [n, n] {
            return err(format!("cov must have shape [..., {n}, {n}], got {c:?}"));
        }
        let cov_batch = &c[..c.len() - 2];
        let Some(both) = broadcast_shapes(mean_batch, cov_batch) else {
            return err(format!(
                "the batch shapes {mean_batch:?} of mean and {cov_batch:?} of cov do not \
                 broadcast together"
            ));
        };
        sample_shape(op, shape, &both)
    };
    match batch() {
        Ok(batch) => {
            let s = Sampler::MultivariateNormal { method };
            draw_with(s, key, &[mean.clone(), cov.clone()], &batch, dtype)
        }
        Err(e) => Array::from_error(e.at(location)),
    }
}

/// `multivariate_normal`'s program: `shape` is the batch shape.
pub(super) fn multivariate_normal_in(
    key: &Array,
    mean: &Array,
    cov: &Array,
    method: CovFactor,
    shape: &[usize],
    dtype: DType,
) -> Result<Array> {
    let cov = lax::convert_element_type(cov, dtype);
    let factor = match method {
        CovFactor::Eigh => {
            let (w, v) = jnp::linalg::eigh(&cov);
            &v * &lax::sqrt(&jnp::expand_dims(&w, -2))
        }
        CovFactor::Svd => {
            let (u, s, _) = jnp::linalg::svd(&cov, false);
            &u * &lax::sqrt(&jnp::expand_dims(&s, -2))
        }
        CovFactor::Cholesky => jnp::linalg::cholesky(&cov),
    };
    let mean_shape = mean.shape()?;
    let n = mean_shape[mean_shape.len() - 1];
    let vectors: Vec<usize> = shape.iter().copied().chain([n]).collect();
    let z = standard_normal(key, &vectors, dtype);
    let mean = lax::convert_element_type(mean, dtype);
    Ok(&mean + &apply(&factor, &z)?)
}

/// `A z` over the batch axes, as JAX's einsum contracts it: `A`'s batch
/// axes of size 1 (against larger ones of `z`) are squeezed, the others
/// are batch axes of one `dot_general`, `z`'s remaining axes free.
fn apply(factor: &Array, z: &Array) -> Result<Array> {
    let z_dims = z.shape()?;
    let r = z_dims.len() - 1;
    let f_dims = factor.shape()?;
    let offset = r + 2 - f_dims.len();
    let squeezed: Vec<usize> = (0..f_dims.len() - 2)
        .filter(|&k| f_dims[k] == 1 && z_dims[offset + k] != 1)
        .collect();
    let kept: Vec<usize> = (0..f_dims.len() - 2)
        .filter(|k| !squeezed.contains(k))
        .collect();
    let factor = lax::reshape(
        factor,
        &(0..f_dims.len())
            .filter(|k| !squeezed.contains(k))
            .map(|k| f_dims[k])
            .collect::<Vec<_>>(),
    );
    let f_rank = factor.ndim()?;
    let z_batch: Vec<usize> = kept.iter().map(|k| offset + k).collect();
    let f_batch: Vec<usize> = (0..kept.len()).collect();
    if z_batch.len() == r {
        // Every axis of `z` is a batch axis: the product comes out in order.
        let dims = DotDims {
            lhs_contracting: vec![f_rank - 1],
            rhs_contracting: vec![r],
            lhs_batch: f_batch,
            rhs_batch: z_batch,
        };
        return Ok(lax::dot_general(&factor, z, dims, None));
    }
    let dims = DotDims {
        lhs_contracting: vec![r],
        rhs_contracting: vec![f_rank - 1],
        lhs_batch: z_batch.clone(),
        rhs_batch: f_batch,
    };
    let product = lax::dot_general(z, &factor, dims, None);
    // Batch axes, then z's free axes, then the row axis: back to z's order.
    let free = (0..r).filter(|a| !z_batch.contains(a));
    let order: Vec<usize> = z_batch.iter().copied().chain(free).chain([r]).collect();
    let mut perm = vec![0; r + 1];
    for (position, axis) in order.iter().enumerate() {
        perm[*axis] = position;
    }
    Ok(lax::transpose(&product, &perm))
}

/// Matrices uniformly distributed over the orthogonal group O(n): `[...shape,
/// n, m]` of `dtype` (a float dtype), semi-orthogonal when `m` (default `n`)
/// differs from `n` (orthonormal rows when `n < m`, columns when `n > m`).
/// As JAX (Mezzadri's method): the `Q` of the QR decomposition of a standard
/// normal matrix, each column's sign flipped to make `R`'s diagonal
/// positive. The QR decomposition is rjax's Householder loop, not LAPACK's
/// blocked one: the matrices agree with JAX's to rounding.
///
/// ```
/// use rjax::{random, numpy as jnp, DType};
/// let q = random::orthogonal(&random::key(0), 3, &[], DType::F32, None);
/// let qtq = jnp::matmul(&q.t(), &q).to_vec::<f32>().unwrap();
/// let eye = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
/// assert!(qtq.iter().zip(eye).all(|(x, e)| (x - e).abs() < 1e-5));
/// let wide = random::orthogonal(&random::key(0), 2, &[4], DType::F32, Some(3));
/// assert_eq!(wide.shape().unwrap(), [4, 2, 3]);
/// ```
#[track_caller]
pub fn orthogonal(
    key: &impl KeyLike,
    n: usize,
    shape: &[usize],
    dtype: DType,
    m: Option<usize>,
) -> Array {
    let s = Sampler::Orthogonal {
        n,
        m: m.unwrap_or(n),
    };
    draw_with(s, key, &[], shape, dtype)
}

/// `orthogonal`'s program.
pub(super) fn orthogonal_in(
    key: &Array,
    n: usize,
    m: usize,
    shape: &[usize],
    dtype: DType,
) -> Array {
    let mut dims = shape.to_vec();
    dims.extend([n.max(m), n.min(m)]);
    let z = standard_normal(key, &dims, dtype);
    let (q, r) = jnp::linalg::qr(&z, jnp::linalg::QrMode::Reduced);
    let signs = jnp::sign(&jnp::diagonal(&r, 0, -2, -1));
    let x = &q * &jnp::expand_dims(&signs, -2);
    if n < m { jnp::swapaxes(&x, -1, -2) } else { x }
}
