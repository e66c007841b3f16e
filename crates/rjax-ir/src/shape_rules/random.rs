//! Shape rules of the random bit generators.

use super::checker::Checker;
use crate::{AVal, DType, ErrorKind, Result};

pub(super) fn rng_bit_generator(
    check: &Checker,
    shape: &[usize],
    dtype: DType,
) -> Result<Vec<AVal>> {
    let [key] = check.arity::<1>()?;
    if key.shape != [4] || key.dtype != DType::U32 || !dtype.is_unsigned_int() {
        return Err(check.err(
            ErrorKind::DType,
            format!(
                "takes a uint32[4] key and makes unsigned bits, not {}",
                dtype.name()
            ),
        ));
    }
    Ok(vec![key.clone(), AVal::new(shape.to_vec(), dtype)])
}

pub(super) fn threefry_2x32(check: &Checker) -> Result<Vec<AVal>> {
    let [k1, k2, x1, x2] = check.arity::<4>()?;
    if [k1, k2, x1, x2].iter().any(|a| a.dtype != DType::U32) {
        return Err(check.err(ErrorKind::DType, "takes uint32 operands"));
    }
    let shape = check.elementwise_shape(&[k1, k2, x1, x2])?;
    let out = AVal::new(shape, DType::U32);
    Ok(vec![out.clone(), out])
}
