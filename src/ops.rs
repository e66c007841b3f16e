//! Rust operators on arrays: `+ - * / %` and unary `-`, with numpy
//! broadcasting; Rust number operands are weakly typed (`x * 2.0` keeps
//! `x`'s dtype), and methods for the common numpy calls. As in JAX, `%` is
//! Python's remainder (the sign of the divisor: `-7 % 3 == 2`), not Rust's.
//!
//! Scalars are accepted as `f64` and `i32` only, so that unsuffixed
//! literals (`2.0`, `3`) infer without annotations; the exact `f64` value
//! is converted to the array's dtype. For other Rust types use
//! [`Array::weak`].

use crate::numpy as jnp;
use crate::{Array, lax};
use std::ops::{Add, Div, Mul, Neg, Rem, Sub};

macro_rules! operator {
    ($trait:ident, $method:ident, $func:path) => {
        impl $trait<&Array> for &Array {
            type Output = Array;
            #[track_caller]
            fn $method(self, rhs: &Array) -> Array {
                $func(self, rhs)
            }
        }
        impl $trait<Array> for Array {
            type Output = Array;
            #[track_caller]
            fn $method(self, rhs: Array) -> Array {
                $func(&self, &rhs)
            }
        }
        impl $trait<&Array> for Array {
            type Output = Array;
            #[track_caller]
            fn $method(self, rhs: &Array) -> Array {
                $func(&self, rhs)
            }
        }
        impl $trait<Array> for &Array {
            type Output = Array;
            #[track_caller]
            fn $method(self, rhs: Array) -> Array {
                $func(self, &rhs)
            }
        }
        operator!(@scalars $trait, $method, $func, f64 i32);
    };
    (@scalars $trait:ident, $method:ident, $func:path, $($t:ty)*) => {$(
        impl $trait<$t> for &Array {
            type Output = Array;
            #[track_caller]
            fn $method(self, rhs: $t) -> Array {
                $func(self, &Array::weak(rhs))
            }
        }
        impl $trait<$t> for Array {
            type Output = Array;
            #[track_caller]
            fn $method(self, rhs: $t) -> Array {
                $func(&self, &Array::weak(rhs))
            }
        }
        impl $trait<&Array> for $t {
            type Output = Array;
            #[track_caller]
            fn $method(self, rhs: &Array) -> Array {
                $func(&Array::weak(self), rhs)
            }
        }
        impl $trait<Array> for $t {
            type Output = Array;
            #[track_caller]
            fn $method(self, rhs: Array) -> Array {
                $func(&Array::weak(self), &rhs)
            }
        }
    )*};
}

operator!(Add, add, jnp::add);
operator!(Sub, sub, jnp::subtract);
operator!(Mul, mul, jnp::multiply);
operator!(Div, div, jnp::divide);
operator!(Rem, rem, jnp::remainder);

impl Neg for &Array {
    type Output = Array;
    #[track_caller]
    fn neg(self) -> Array {
        lax::neg(self)
    }
}

impl Neg for Array {
    type Output = Array;
    #[track_caller]
    fn neg(self) -> Array {
        lax::neg(&self)
    }
}

/// Method forms of common numpy functions.
impl Array {
    #[track_caller]
    pub fn exp(&self) -> Array {
        jnp::exp(self)
    }
    #[track_caller]
    pub fn log(&self) -> Array {
        jnp::log(self)
    }
    #[track_caller]
    pub fn tanh(&self) -> Array {
        jnp::tanh(self)
    }
    #[track_caller]
    pub fn sin(&self) -> Array {
        jnp::sin(self)
    }
    #[track_caller]
    pub fn cos(&self) -> Array {
        jnp::cos(self)
    }
    #[track_caller]
    pub fn tan(&self) -> Array {
        jnp::tan(self)
    }
    #[track_caller]
    pub fn sqrt(&self) -> Array {
        jnp::sqrt(self)
    }
    #[track_caller]
    pub fn abs(&self) -> Array {
        jnp::abs(self)
    }
    /// Sum of all elements.
    #[track_caller]
    pub fn sum(&self) -> Array {
        jnp::sum(self, (), false)
    }
    /// Mean of all elements.
    #[track_caller]
    pub fn mean(&self) -> Array {
        jnp::mean(self, (), false)
    }
    /// numpy's `dot`.
    #[track_caller]
    pub fn dot(&self, other: &Array) -> Array {
        jnp::dot(self, other)
    }
    /// numpy's `matmul`.
    #[track_caller]
    pub fn matmul(&self, other: &Array) -> Array {
        jnp::matmul(self, other)
    }
    /// Reshape; one entry may be -1.
    #[track_caller]
    pub fn reshape(&self, shape: &[i64]) -> Array {
        jnp::reshape(self, shape)
    }
    /// Reverse the axes.
    #[track_caller]
    pub fn t(&self) -> Array {
        jnp::transpose(self, None)
    }
    /// Convert to another dtype.
    #[track_caller]
    pub fn astype(&self, dtype: rjax_ir::DType) -> Array {
        jnp::cast(self, dtype, false)
    }
    /// `self[i]`: entry `i` along the first axis (negative `i` counts from
    /// the end), that axis removed.
    ///
    /// ```
    /// use rjax::Array;
    /// let x = Array::from_slice(&[1.0f32, 2.0, 3.0, 4.0], &[2, 2]);
    /// assert_eq!(x.index(-1).to_vec::<f32>().unwrap(), vec![3.0, 4.0]);
    /// ```
    #[track_caller]
    pub fn index(&self, i: i64) -> Array {
        jnp::index_first(self, i)
    }
    /// Elementwise `self > other`.
    #[track_caller]
    pub fn gt(&self, other: impl Into<Operand>) -> Array {
        jnp::greater(self, &other.into().0)
    }
    /// Elementwise `self < other`.
    #[track_caller]
    pub fn lt(&self, other: impl Into<Operand>) -> Array {
        jnp::less(self, &other.into().0)
    }
    /// Elementwise `self >= other`.
    #[track_caller]
    pub fn ge(&self, other: impl Into<Operand>) -> Array {
        jnp::greater_equal(self, &other.into().0)
    }
    /// Elementwise `self <= other`.
    #[track_caller]
    pub fn le(&self, other: impl Into<Operand>) -> Array {
        jnp::less_equal(self, &other.into().0)
    }
    /// Elementwise `self == other` (an array of booleans; NaN equals
    /// nothing).
    ///
    /// ```
    /// use rjax::Array;
    /// let x = Array::from_slice(&[1.0f32, 2.0, f32::NAN], &[3]);
    /// assert_eq!(x.eq(2.0).to_vec::<bool>().unwrap(), vec![false, true, false]);
    /// assert_eq!(x.ne(&x).to_vec::<bool>().unwrap(), vec![false, false, true]);
    /// ```
    #[track_caller]
    pub fn eq(&self, other: impl Into<Operand>) -> Array {
        jnp::equal(self, &other.into().0)
    }
    /// Elementwise `self != other`.
    #[track_caller]
    pub fn ne(&self, other: impl Into<Operand>) -> Array {
        jnp::not_equal(self, &other.into().0)
    }
    /// Elementwise `self ** exponent`, with numpy's type promotion
    /// (`jnp.power`).
    ///
    /// ```
    /// use rjax::Array;
    /// let x = Array::from_slice(&[4.0f32, 9.0], &[2]);
    /// assert_eq!(x.pow(0.5).to_vec::<f32>().unwrap(), vec![2.0, 3.0]);
    /// assert_eq!(x.powi(2).to_vec::<f32>().unwrap(), vec![16.0, 81.0]);
    /// ```
    #[track_caller]
    pub fn pow(&self, exponent: impl Into<Operand>) -> Array {
        jnp::power(self, &exponent.into().0)
    }
    /// `self ** n` for an integer `n` known in Rust, by repeated
    /// multiplication as JAX's `x ** 2` does (`lax.integer_pow`).
    #[track_caller]
    pub fn powi(&self, n: i32) -> Array {
        crate::lax::integer_pow(self, n)
    }
}

/// An operand of an elementwise function or comparison: an array, or a
/// weakly typed Rust number (`f64` or `i32`, so unsuffixed literals infer),
/// which takes the other operand's dtype as in JAX.
///
/// ```
/// use rjax::{Array, numpy as jnp};
/// let x = Array::from_slice(&[-1.0f32, 2.0], &[2]);
/// let relu = jnp::where_(x.gt(0.0), &x, 0.0);
/// assert_eq!(relu.to_vec::<f32>().unwrap(), vec![0.0, 2.0]);
/// assert_eq!(jnp::maximum(&x, 1).to_vec::<f32>().unwrap(), vec![1.0, 2.0]);
/// ```
pub struct Operand(pub(crate) Array);

impl From<&Array> for Operand {
    fn from(a: &Array) -> Operand {
        Operand(a.clone())
    }
}

impl From<Array> for Operand {
    fn from(a: Array) -> Operand {
        Operand(a)
    }
}

impl From<&&Array> for Operand {
    fn from(a: &&Array) -> Operand {
        Operand((*a).clone())
    }
}

macro_rules! weak_operand {
    ($($t:ty)*) => {$(
        impl From<$t> for Operand {
            fn from(v: $t) -> Operand {
                Operand(Array::weak(v))
            }
        }
    )*};
}
weak_operand!(f64 i32);
