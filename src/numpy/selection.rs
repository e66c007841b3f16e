//! Picking, placing and ordering elements: `delete`, `insert`, `put`,
//! `put_along_axis`, `place`, `choose`, `lexsort`, `partition`,
//! `argpartition`, `piecewise`, `resize` and `trim_zeros`.

use super::index_tricks::unravel_index;
use super::searching::nonzero;
use super::shape::axis_of;
use super::{cast, fallible, moveaxis, ravel, swapaxes, where_};
use crate::indexing::{Index, IndexMode};
use crate::{Array, idx, lax, location};
use rjax_ir::{DType, Error, ErrorKind};

#[track_caller]
fn shape_error(op: &str, xs: &[&Array], message: &str) -> Error {
    let operands = xs.iter().filter_map(|x| x.aval().ok()).collect();
    Error::new(ErrorKind::Shape, op, message)
        .with_operands(operands)
        .at(location::current())
}

/// `arr` (flattened for `None`) without the entries at the static
/// positions `obj` along `axis` (negative from the end; repeats allowed).
///
/// ```
/// use rjax::{Array, numpy as jnp};
/// let x = Array::from_slice(&[1.0f32, 2.0, 3.0, 4.0], &[4]);
/// assert_eq!(jnp::delete(&x, &[0, -1], None).to_vec::<f32>().unwrap(), vec![2.0, 3.0]);
/// ```
#[track_caller]
pub fn delete(arr: &Array, obj: &[i64], axis: Option<i64>) -> Array {
    fallible(|| {
        let (a, ax) = match axis {
            None => (ravel(arr), 0),
            Some(ax) => (arr.clone(), axis_of("delete", arr, ax)?),
        };
        let n = a.shape()?[ax] as i64;
        let mut keep = vec![true; n as usize];
        for &i in obj {
            if i < -n || i >= n {
                return Err(shape_error("delete", &[arr], "index out of bounds"));
            }
            keep[i.rem_euclid(n.max(1)) as usize] = false;
        }
        let kept: Vec<i32> = (0..n as i32).filter(|&i| keep[i as usize]).collect();
        let at = Array::from_slice(&kept, &[kept.len()]);
        let mut index = vec![Index::from(..); ax];
        index.push(Index::Array(at));
        Ok(a.get(index))
    })
}

/// `arr` (flattened for `None`) with `values` inserted before the static
/// positions `obj` along `axis` (one value per position, or one position
/// for all the values along `axis`).
///
/// ```
/// use rjax::{Array, numpy as jnp};
/// let x = Array::from_slice(&[1.0f32, 2.0, 3.0], &[3]);
/// let v = Array::from_slice(&[9.0f32, 8.0], &[2]);
/// assert_eq!(jnp::insert(&x, &[1, 3], &v, None).to_vec::<f32>().unwrap(), vec![1.0, 9.0, 2.0, 3.0, 8.0]);
/// ```
#[track_caller]
pub fn insert(arr: &Array, obj: &[i64], values: &Array, axis: Option<i64>) -> Array {
    fallible(|| {
        let (a, ax) = match axis {
            None => (ravel(arr), 0),
            Some(ax) => (arr.clone(), axis_of("insert", arr, ax)?),
        };
        let shape = a.shape()?;
        let rank = shape.len();
        let n = shape[ax] as i64;
        let mut v = cast(values, a.dtype()?, false);
        while v.ndim()? < rank {
            v = lax::expand_dims(&v, &[0]);
        }
        let positions: Vec<i64> = if obj.len() == 1 {
            v = moveaxis(&v, 0, ax as i64);
            vec![obj[0]; v.shape()?[ax]]
        } else {
            obj.to_vec()
        };
        let count = positions.len();
        let mut out_shape = shape.clone();
        out_shape[ax] += count;
        let mut v_shape = out_shape.clone();
        v_shape[ax] = count;
        let v = super::broadcast_to(&v, &v_shape);
        // Each value lands at its position plus the values placed before it.
        let mut order: Vec<(i64, usize)> = positions
            .iter()
            .map(|&p| (if p < 0 { p + n } else { p }.clamp(0, n), 0))
            .collect();
        let mut sorted: Vec<usize> = (0..count).collect();
        sorted.sort_by_key(|&i| order[i].0);
        for (rank_in_sort, &i) in sorted.iter().enumerate() {
            order[i].1 = rank_in_sort;
        }
        let value_at: Vec<i32> = order
            .iter()
            .map(|&(p, r)| (p as usize + r) as i32)
            .collect();
        let mut taken = vec![false; n as usize + count];
        for &p in &value_at {
            taken[p as usize] = true;
        }
        let array_at: Vec<i32> = (0..(n as usize + count) as i32)
            .filter(|&i| !taken[i as usize])
            .collect();
        let along = |at: &[i32]| {
            let mut index = vec![Index::from(..); ax];
            index.push(Index::Array(Array::from_slice(at, &[at.len()])));
            index
        };
        let out = super::zeros(&out_shape, a.dtype()?);
        let out = out.at(along(&value_at)).set(&v);
        Ok(out.at(along(&array_at)).set(&a))
    })
}

/// `a` with the flat positions `ind` set to `v` (repeated to `ind`'s
/// length); out-of-range positions wrap with `wrap`, else clip.
#[track_caller]
pub fn put(a: &Array, ind: &Array, v: &Array, wrap: bool) -> Array {
    fallible(|| {
        let shape = a.shape()?;
        let size = shape.iter().product::<usize>() as i32;
        let ind = cast(&ravel(ind), DType::I32, false);
        let count = ind.shape()?[0];
        let v = ravel(v);
        let vn = v.shape()?[0];
        if count == 0 || size == 0 {
            return Ok(a.clone());
        }
        if vn == 0 {
            return Err(shape_error("put", &[a, &v], "needs at least one value"));
        }
        let v = super::tile(&v, &[count.div_ceil(vn)]).get(idx![..count as i64]);
        let ind = if wrap {
            super::remainder(&ind, size)
        } else {
            super::clip(
                &ind,
                Some(&Array::scalar(0i32)),
                Some(&Array::scalar(size - 1)),
            )
        };
        let index: Vec<Index> = unravel_index(&ind, &shape)
            .into_iter()
            .map(Index::Array)
            .collect();
        Ok(a.at(index).set(&v))
    })
}

/// The index arrays that address `indices` along `axis` and every other
/// position as itself.
fn along_axis_index(indices: &Array, axis: usize) -> Result<Vec<Index>, Error> {
    let shape = indices.shape()?;
    Ok((0..shape.len())
        .map(|d| {
            if d == axis {
                Index::Array(indices.clone())
            } else {
                Index::Array(lax::iota(DType::I32, &shape, d))
            }
        })
        .collect())
}

/// `arr` with `values` written at `indices` along `axis` (of the flattened
/// array for `None`): the update [`super::take_along_axis`] reads.
#[track_caller]
pub fn put_along_axis(arr: &Array, indices: &Array, values: &Array, axis: Option<i64>) -> Array {
    fallible(|| {
        let shape = arr.shape()?;
        let (a, ax) = match axis {
            None => (ravel(arr), 0),
            Some(ax) => (arr.clone(), axis_of("put_along_axis", arr, ax)?),
        };
        if a.ndim()? != indices.ndim()? {
            return Err(shape_error(
                "put_along_axis",
                &[arr, indices],
                "indices must have the array's rank",
            ));
        }
        let values = super::broadcast_to(values, &indices.shape()?);
        let out = a.at(along_axis_index(indices, ax)?).set(&values);
        Ok(lax::reshape(&out, &shape))
    })
}

/// `arr` with the positions where `mask` is true set, in order, to `vals`
/// (repeated as needed).
#[track_caller]
pub fn place(arr: &Array, mask: &Array, vals: &Array) -> Array {
    fallible(|| {
        let shape = arr.shape()?;
        let n = mask.size()?;
        if arr.size()? != n {
            return Err(shape_error(
                "place",
                &[arr, mask],
                "mask must have the array's size",
            ));
        }
        let vals = ravel(vals);
        let vn = vals.shape()?[0];
        if n == 0 || vn == 0 {
            return Ok(arr.clone());
        }
        let at = nonzero(&ravel(mask), n, Some(n as i64)).swap_remove(0);
        let vals = super::tile(&vals, &[n.div_ceil(vn)]).get(idx![..n as i64]);
        Ok(lax::reshape(&ravel(arr).at(idx![&at]).set(&vals), &shape))
    })
}

/// The element of `choices[a]` at each position of the integer array `a`
/// (all broadcast together); out-of-range choices wrap with `wrap`, else
/// clip.
#[track_caller]
pub fn choose(a: &Array, choices: &[Array], wrap: bool) -> Array {
    fallible(|| {
        let n = choices.len() as i32;
        if n == 0 {
            return Err(shape_error("choose", &[a], "needs at least one choice"));
        }
        let a = cast(a, DType::I32, false);
        let a = if wrap {
            super::remainder(&a, n)
        } else {
            super::clip(&a, Some(&Array::scalar(0i32)), Some(&Array::scalar(n - 1)))
        };
        let mut all = vec![a];
        all.extend(choices.iter().cloned());
        let all = super::broadcast_arrays(&all);
        let picked = super::stack(&all[1..], 0);
        let index = lax::expand_dims(&all[0], &[0]);
        Ok(lax::squeeze(
            &super::take_along_axis(&picked, &index, 0, IndexMode::Clip),
            &[0],
        ))
    })
}

/// The stable order that sorts by the last key, then the one before...
/// (numpy's `lexsort`), along `axis` of the equally shaped keys.
///
/// ```
/// use rjax::{Array, numpy as jnp};
/// let first = Array::from_slice(&[1i32, 0, 1, 0], &[4]);
/// let second = Array::from_slice(&[2i32, 2, 1, 1], &[4]);
/// assert_eq!(jnp::lexsort(&[first, second], -1).to_vec::<i32>().unwrap(), vec![3, 2, 1, 0]);
/// ```
#[track_caller]
pub fn lexsort(keys: &[Array], axis: i64) -> Array {
    fallible(|| {
        let first = keys
            .first()
            .ok_or_else(|| Error::new(ErrorKind::Param, "lexsort", "needs at least one key"))?;
        let shape = first.shape()?;
        if keys.iter().any(|k| k.shape().ok().as_ref() != Some(&shape)) {
            return Err(shape_error(
                "lexsort",
                &[first],
                "all keys need the same shape",
            ));
        }
        if shape.is_empty() {
            return Ok(Array::scalar(0i32));
        }
        let ax = axis_of("lexsort", first, axis)?;
        let mut operands: Vec<Array> = keys.iter().rev().cloned().collect();
        operands.push(lax::iota(DType::I32, &shape, ax));
        Ok(lax::sort(&operands, ax, true, keys.len())
            .pop()
            .unwrap_or_else(|| first.clone()))
    })
}

/// `a` with the element that belongs at position `kth` of `axis` there,
/// smaller ones before it and larger ones after, as JAX orders them.
#[track_caller]
pub fn partition(a: &Array, kth: i64, axis: i64) -> Array {
    fallible(|| {
        let (arr, kth) = partition_setup("partition", a, kth, axis)?;
        let n = *arr.shape()?.last().unwrap_or(&0);
        let flipped = if arr.dtype()?.is_unsigned_int() {
            -(&arr + 1)
        } else {
            -&arr
        };
        let bottom = lax::top_k(&flipped, kth + 1).0;
        let bottom = if arr.dtype()?.is_unsigned_int() {
            -bottom - 1
        } else {
            -bottom
        };
        let top = lax::top_k(&arr, n - kth - 1).0;
        let last = arr.ndim()? - 1;
        Ok(swapaxes(&lax::concatenate(&[bottom, top], last), axis, -1))
    })
}

/// The indices that [`partition`] `a`.
#[track_caller]
pub fn argpartition(a: &Array, kth: i64, axis: i64) -> Array {
    fallible(|| {
        let (arr, kth) = partition_setup("argpartition", a, kth, axis)?;
        let shape = arr.shape()?;
        let n = *shape.last().unwrap_or(&0);
        let last = shape.len() - 1;
        let flipped = if arr.dtype()?.is_unsigned_int() {
            -(&arr + 1)
        } else {
            -&arr
        };
        let bottom = lax::top_k(&flipped, kth + 1).1;
        // The rest, in order: the top of a proxy that hides the bottom.
        let mut bottom_shape = shape.clone();
        bottom_shape[last] = kth + 1;
        let mut index: Vec<Index> = (0..last)
            .map(|d| Index::Array(lax::iota(DType::I32, &bottom_shape, d)))
            .collect();
        index.push(Index::Array(bottom.clone()));
        let proxy = super::ones(&shape, DType::F32).at(index).set(0.0);
        let top = lax::top_k(&proxy, n - kth - 1).1;
        Ok(swapaxes(&lax::concatenate(&[bottom, top], last), axis, -1))
    })
}

/// `a` with `axis` moved last, and `kth` resolved against its length.
#[track_caller]
fn partition_setup(op: &str, a: &Array, kth: i64, axis: i64) -> Result<(Array, usize), Error> {
    let ax = axis_of(op, a, axis)?;
    let n = a.shape()?[ax] as i64;
    if kth < -n || kth >= n {
        return Err(shape_error(op, &[a], "kth is out of bounds"));
    }
    Ok((swapaxes(a, axis, -1), kth.rem_euclid(n) as usize))
}

/// `functions[i](x)` where `conditions[i]` holds (the last true one wins),
/// or `functions[n]` (zero when there is none) where none does; the
/// results take `x`'s dtype. Every function is evaluated on all of `x`.
#[track_caller]
pub fn piecewise(x: &Array, conditions: &[Array], functions: &[&dyn Fn(&Array) -> Array]) -> Array {
    fallible(|| {
        let (nc, nf) = (conditions.len(), functions.len());
        if nf != nc && nf != nc + 1 {
            return Err(Error::new(
                ErrorKind::Param,
                "piecewise",
                format!(
                    "{nf} functions for {nc} conditions: needs {nc} or {}",
                    nc + 1
                ),
            )
            .at(location::current()));
        }
        let dtype = x.dtype()?;
        let mut out = match functions.get(nc) {
            Some(otherwise) => cast(&otherwise(x), dtype, false),
            None => super::zeros_like(x, None),
        };
        for (c, f) in conditions.iter().zip(functions) {
            let c = cast(c, DType::Bool, false);
            out = where_(&c, cast(&f(x), dtype, false), &out);
        }
        Ok(out)
    })
}

/// `a` flattened, repeated as needed and reshaped to `new_shape`.
#[track_caller]
pub fn resize(a: &Array, new_shape: &[usize]) -> Array {
    fallible(|| {
        let flat = ravel(a);
        let n = flat.shape()?[0];
        let size: usize = new_shape.iter().product();
        if n == 0 || size == 0 {
            return Ok(super::zeros(new_shape, a.dtype()?));
        }
        let tiled = super::tile(&flat, &[size.div_ceil(n)]).get(idx![..size as i64]);
        Ok(lax::reshape(&tiled, new_shape))
    })
}

/// The 1-d `filt` without its leading (`front`) and trailing (`back`)
/// zeros. The result's length depends on the values, so `filt` must be
/// concrete: under `jit` this is an error.
#[track_caller]
pub fn trim_zeros(filt: &Array, front: bool, back: bool) -> Array {
    fallible(|| {
        if filt.ndim()? != 1 {
            return Err(shape_error("trim_zeros", &[filt], "needs a 1-d array"));
        }
        let nonzero: Vec<bool> = cast(filt, DType::Bool, false).to_vec::<bool>()?;
        let n = nonzero.len();
        let start = if front {
            nonzero.iter().position(|&b| b).unwrap_or(n)
        } else {
            0
        };
        let stop = if back {
            nonzero.iter().rposition(|&b| b).map_or(0, |i| i + 1)
        } else {
            n
        };
        Ok(super::shape::slice_along(
            filt,
            0,
            start.min(stop),
            stop.max(start.min(stop)),
            1,
        ))
    })
}
