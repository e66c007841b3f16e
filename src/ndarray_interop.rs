//! Conversions between [`Array`] and the `ndarray` crate's arrays (the
//! `ndarray` feature).
//!
//! ```
//! use ndarray::{ArrayD, IxDyn, array};
//! use rjax::Array;
//!
//! let host = array![[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]];
//! let x = Array::from_ndarray(&host);
//! let y: ArrayD<f32> = (&x * 2.0).to_ndarray().unwrap();
//! assert_eq!(y, (&host * 2.0).into_dyn());
//! // A transposed view is read in row-major order.
//! let t = Array::from_ndarray(&host.t());
//! assert_eq!(t.to_ndarray::<f32>().unwrap(), host.t().into_dyn());
//! assert_eq!(t.shape().unwrap(), [3, 2]);
//! # let _ = IxDyn(&[1]);
//! ```

use crate::{Array, Element};
use ndarray::{ArrayBase, ArrayD, Data, Dimension, IxDyn};
use rjax_ir::{Error, ErrorKind, Result};
use std::panic::Location;

impl Array {
    /// An array of an `ndarray` array's (or view's) elements and shape.
    /// One in standard layout (row-major, contiguous) is copied to the
    /// device straight from its memory; any other is first gathered into
    /// row-major order.
    #[track_caller]
    pub fn from_ndarray<T: Element, S: Data<Elem = T>, D: Dimension>(a: &ArrayBase<S, D>) -> Array {
        let location = Location::caller();
        let array = match a.as_slice() {
            Some(contiguous) => Array::from_slice(contiguous, a.shape()),
            None => Array::from_slice(&a.iter().copied().collect::<Vec<T>>(), a.shape()),
        };
        Array::from_result(
            array
                .check()
                .map(|()| array.clone())
                .map_err(|e| e.at(location)),
        )
    }

    /// The elements as an `ndarray::ArrayD` of `T`, which must be the
    /// array's element type (as for [`Array::to_vec`]); the host copy
    /// becomes the `ndarray`'s storage without another copy.
    #[track_caller]
    pub fn to_ndarray<T: Element>(&self) -> Result<ArrayD<T>> {
        let location = Location::caller();
        let shape = self.shape().map_err(|e| e.at(location))?;
        let values = self.to_vec::<T>().map_err(|e| e.at(location))?;
        ArrayD::from_shape_vec(IxDyn(&shape), values)
            .map_err(|e| Error::new(ErrorKind::Shape, "to_ndarray", e.to_string()).at(location))
    }
}

impl<T: Element, S: Data<Elem = T>, D: Dimension> From<&ArrayBase<S, D>> for Array {
    #[track_caller]
    fn from(a: &ArrayBase<S, D>) -> Array {
        Array::from_ndarray(a)
    }
}
