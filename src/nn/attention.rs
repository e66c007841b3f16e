//! Scaled dot-product attention, as JAX's `jax.nn.dot_product_attention`
//! computes it with XLA: grouped-query heads, a bias, a boolean mask,
//! causal masking and padding by query and key-value sequence lengths.

use crate::numpy::{self as jnp, fallible};
use crate::{Array, DType, Error, ErrorKind, lax, location};

/// The optional parts of [`dot_product_attention`].
#[derive(Clone, Debug, Default)]
pub struct AttentionOptions {
    /// Added to the logits; broadcast from `[B, N or 1, T, S]` (leading axes
    /// may be missing).
    pub bias: Option<Array>,
    /// Where false, the logit is replaced by a large negative number;
    /// boolean, shaped as `bias`.
    pub mask: Option<Array>,
    /// The logits' scale (default `1/sqrt(H)`).
    pub scale: Option<f64>,
    /// Each query attends only to keys at its position or before.
    pub is_causal: bool,
    /// `[B]` int32: queries from this position on are padding (their
    /// outputs are zero).
    pub query_seq_lengths: Option<Array>,
    /// `[B]` int32: keys and values from this position on are padding.
    pub key_value_seq_lengths: Option<Array>,
}

#[track_caller]
fn shape_error(message: String, xs: &[&Array]) -> Error {
    let operands = xs.iter().filter_map(|x| x.aval().ok()).collect();
    Error::new(ErrorKind::Shape, "dot_product_attention", message)
        .with_operands(operands)
        .at(location::current())
}

/// `t` with leading axes of length 1 up to rank 4.
fn four_d(t: &Array) -> Result<Array, Error> {
    let mut t = t.clone();
    while t.ndim()? < 4 {
        t = lax::expand_dims(&t, &[0]);
    }
    Ok(t)
}

/// A `[b, N or 1, T, S]` bias or mask as `[B, K, G, T, S]`.
fn grouped(t: &Array, b: usize, k: usize, g: usize) -> Result<Array, Error> {
    let t = four_d(t)?;
    let s = t.shape()?;
    let (tb, tn, tt, ts) = (s[0], s[1], s[2], s[3]);
    let t = if tn == 1 {
        lax::reshape(&t, &[tb, 1, 1, tt, ts])
    } else {
        lax::reshape(&t, &[tb, k, g, tt, ts])
    };
    let full = [b.max(tb), k, g, tt, ts];
    Ok(jnp::broadcast_to(&t, &full))
}

/// Multi-head attention `softmax(q kᵀ · scale + bias) v` of queries `[B,
/// T, N, H]` over keys and values `[B, S, K, H]` (`N` a multiple of `K`:
/// grouped-query attention; a missing batch axis is added and removed).
/// Logits are computed in at least f32; the output has the query's shape.
///
/// ```
/// use rjax::{Array, nn::{self, AttentionOptions}, numpy as jnp};
/// let q = jnp::ones(&[1, 2, 1, 4], rjax::DType::F32);
/// let v = Array::from_slice(&[1.0f32, 1.0, 1.0, 1.0, 3.0, 3.0, 3.0, 3.0], &[1, 2, 1, 4]);
/// let causal = AttentionOptions { is_causal: true, ..Default::default() };
/// let out = nn::dot_product_attention(&q, &q, &v, &causal).to_vec::<f32>().unwrap();
/// // The first query sees only the first value; the second averages both.
/// assert_eq!(out, vec![1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0]);
/// ```
#[track_caller]
pub fn dot_product_attention(
    query: &Array,
    key: &Array,
    value: &Array,
    options: &AttentionOptions,
) -> Array {
    fallible(|| {
        let out_shape = query.shape()?;
        let (q, k, v) = (four_d(query)?, four_d(key)?, four_d(value)?);
        let (qs, ks) = (q.shape()?, k.shape()?);
        let (b, t, n, h) = (qs[0], qs[1], qs[2], qs[3]);
        let (s, kh) = (ks[1], ks[2]);
        if v.shape()? != ks || ks[0] != b || ks[3] != h || kh == 0 || n % kh != 0 {
            return Err(shape_error(
                format!(
                    "query {qs:?}, key {ks:?} and value {:?} do not fit [B, T, N, H], [B, S, K, H] with K dividing N",
                    v.shape()?
                ),
                &[query, key, value],
            ));
        }
        let g = n / kh;
        let logits_dtype = rjax_ir::promote_types((q.dtype()?, false), (DType::F32, false)).0;
        let q = jnp::astype(&lax::reshape(&q, &[b, t, kh, g, h]), logits_dtype);
        let logits = jnp::einsum("btkgh,bskh->bkgts", &[q, jnp::astype(&k, logits_dtype)]);
        let scale = options.scale.unwrap_or(1.0 / (h as f64).sqrt());
        let mut logits = logits * scale;
        if let Some(bias) = &options.bias {
            logits = jnp::astype(&(&logits + &grouped(bias, b, kh, g)?), logits_dtype);
        }
        let mut keep: Option<Array> = None;
        let mut and = |m: Array| {
            keep = Some(match keep.take() {
                None => m,
                Some(k) => jnp::logical_and(&k, &m),
            });
        };
        if let Some(mask) = &options.mask {
            and(grouped(mask, b, kh, g)?);
        }
        if options.is_causal {
            let causal = jnp::tri(t, Some(s), 0, DType::Bool);
            and(lax::reshape(&causal, &[1, 1, 1, t, s]));
        }
        if options.query_seq_lengths.is_some() || options.key_value_seq_lengths.is_some() {
            let mut padding = jnp::ones(&[b, 1, 1, t, s], DType::Bool);
            if let Some(lengths) = &options.query_seq_lengths {
                let i = lax::iota(DType::I32, &[b, 1, 1, t, s], 3);
                let len = lax::broadcast_in_dim(lengths, &[b, 1, 1, t, s], &[0]);
                padding = jnp::logical_and(&padding, i.lt(&len));
            }
            if let Some(lengths) = &options.key_value_seq_lengths {
                let j = lax::iota(DType::I32, &[b, 1, 1, t, s], 4);
                let len = lax::broadcast_in_dim(lengths, &[b, 1, 1, t, s], &[0]);
                padding = jnp::logical_and(&padding, j.lt(&len));
            }
            and(padding);
        }
        if let Some(keep) = keep {
            let max = jnp::finfo(logits_dtype)?.max.min(f32::MAX as f64);
            logits = jnp::where_(&keep, &logits, Array::weak(-0.7 * max));
        }
        let probs = crate::nn::softmax(&jnp::astype(&logits, DType::F32), -1);
        let probs = jnp::astype(&probs, k.dtype()?);
        let encoded = jnp::einsum("bkgts,bskh->btkgh", &[probs, v]);
        let mut encoded = lax::reshape(&encoded, &[b, t, n, h]);
        if let Some(lengths) = &options.query_seq_lengths {
            let i = lax::iota(DType::I32, &[b, t, n, h], 1);
            let len = lax::broadcast_in_dim(lengths, &[b, t, n, h], &[0]);
            encoded = &encoded * jnp::astype(&i.lt(&len), encoded.dtype()?);
        }
        Ok(lax::reshape(&encoded, &out_shape))
    })
}
