//! Keys: seeds (Rust integers or integer arrays, traced or not), typed key
//! arrays ([`Key`], JAX's `key<fry>` dtype) beside raw uint32 key data
//! (JAX's legacy `PRNGKey`), and the conversions between them.

use crate::{Array, DType, Tree, TreeDef, lax};
use rjax_ir::{Error, ErrorKind, Result};

/// A seed for [`key`] and [`PRNGKey`]: a Rust integer, or a scalar integer
/// [`Array`] (which may be traced, under `jit` or `vmap`). As JAX's
/// `threefry_seed`, the key is the seed's 64 bits as two 32-bit words, high
/// word first; a seed narrower than 64 bits has a high word of 0 and its
/// value, sign-extended, as the low word (so `-1i32` gives `[0,
/// 0xffffffff]` and `-1i64` gives `[0xffffffff, 0xffffffff]`).
#[derive(Clone, Debug)]
pub struct Seed(SeedValue);

#[derive(Clone, Debug)]
enum SeedValue {
    /// The two words, worked out on the host.
    Words([u32; 2]),
    /// A scalar integer array.
    Array(Array),
}

macro_rules! narrow_seeds {
    ($($t:ty),*) => {$(
        impl From<$t> for Seed {
            /// High word 0, low word the value sign-extended to 32 bits.
            fn from(seed: $t) -> Seed {
                Seed(SeedValue::Words([0, seed as u32]))
            }
        }
    )*};
}

macro_rules! wide_seeds {
    ($($t:ty),*) => {$(
        impl From<$t> for Seed {
            /// The 64 bits of the value, high word first.
            fn from(seed: $t) -> Seed {
                let bits = seed as u64;
                Seed(SeedValue::Words([(bits >> 32) as u32, bits as u32]))
            }
        }
    )*};
}

narrow_seeds!(i8, i16, i32, u8, u16, u32);
wide_seeds!(i64, u64, isize, usize);

impl From<&Array> for Seed {
    fn from(seed: &Array) -> Seed {
        Seed(SeedValue::Array(seed.clone()))
    }
}

impl From<Array> for Seed {
    fn from(seed: Array) -> Seed {
        Seed(SeedValue::Array(seed))
    }
}

impl Seed {
    /// The raw key data: uint32 `[2]`, or the error of a seed that is not
    /// a scalar integer array.
    #[track_caller]
    fn key_data(self) -> Array {
        let seed = match self.0 {
            SeedValue::Words(words) => return Array::from_slice(&words, &[2]),
            SeedValue::Array(seed) => seed,
        };
        let location = crate::location::current();
        let aval = match seed.aval() {
            Ok(aval) => aval,
            Err(e) => return Array::from_error(e.at(location)),
        };
        if !aval.shape.is_empty() || !(aval.dtype.is_int() || aval.dtype.is_unsigned_int()) {
            let e = Error::new(
                ErrorKind::Shape,
                "key",
                format!(
                    "a seed is a scalar integer, got {}{:?} (vmap a function of one seed to \
                     make many keys)",
                    aval.dtype.name(),
                    aval.shape
                ),
            )
            .with_operands(vec![aval]);
            return Array::from_error(e.at(location));
        }
        let word = |x: &Array| lax::reshape(&lax::convert_element_type(x, DType::U32), &[1]);
        let high = if aval.dtype.size_bytes() == 8 {
            let shift = lax::convert_element_type(&Array::scalar(32u32), aval.dtype);
            word(&lax::shift_right_logical(&seed, &shift))
        } else {
            Array::from_slice(&[0u32], &[1])
        };
        lax::concatenate(&[high, word(&seed)], 0)
    }
}

/// A typed key array: keys of some shape (JAX's key arrays of dtype
/// `key<fry>`), made by [`key`], [`wrap_key_data`], [`split`](super::split)
/// of a typed key and [`fold_in`](super::fold_in). It holds the raw
/// uint32 key data, the key shape followed by `[2]` ([`key_data`]), and is
/// a [`Tree`] of that one leaf, so it passes through `jit`, `vmap`, `scan`
/// and the rest. Every random function accepts it, as it accepts raw key
/// data (see [`KeyLike`]).
///
/// ```
/// use rjax::{jit, random, DType};
/// let key = random::key(0);
/// assert_eq!(key.shape().unwrap(), Vec::<usize>::new());
/// let keys = random::split(&key, 3);
/// assert_eq!(keys.shape().unwrap(), [3]);
/// let draw = jit(|k: random::Key| random::normal(&k, &[2], DType::F32));
/// let x = draw.call(keys.index(1)).unwrap();
/// assert_eq!(x.shape().unwrap(), [2]);
/// ```
#[derive(Clone, Debug)]
pub struct Key {
    data: Array,
}

impl Key {
    /// The key shape: the data's shape without its trailing `[2]`.
    pub fn shape(&self) -> Result<Vec<usize>> {
        let mut shape = self.data.shape()?;
        shape.pop();
        Ok(shape)
    }

    /// The key at `i` along the first axis of the key shape (negative
    /// counts from the end), as `keys[i]` in JAX.
    #[track_caller]
    pub fn index(&self, i: i64) -> Key {
        let location = crate::location::current();
        let data = match self.shape() {
            Ok(shape) if shape.is_empty() => Array::from_error(
                Error::new(ErrorKind::Shape, "index", "a single key cannot be indexed")
                    .at(location),
            ),
            _ => self.data.index(i),
        };
        Key { data }
    }
}

impl Tree for Key {
    fn flatten(&self, leaves: &mut Vec<Array>) -> TreeDef {
        self.data.flatten(leaves)
    }

    fn unflatten(def: &TreeDef, leaves: &mut dyn Iterator<Item = Array>) -> Result<Self> {
        Array::unflatten(def, leaves).map(|data| Key { data })
    }
}

mod sealed {
    /// Rebuilds a key of the same kind around new key data; it also seals
    /// [`super::KeyLike`], so it is unnameable on purpose.
    #[allow(unnameable_types)]
    pub trait Rewrap {
        fn rewrap(&self, data: crate::Array) -> Self;
    }
}

/// What the random functions accept as a key: a typed [`Key`], or raw
/// uint32 key data (an [`Array`] whose last axis is `[2]`, as
/// [`PRNGKey`] makes). Functions that return keys ([`split`](super::split),
/// [`fold_in`](super::fold_in), [`clone`]) return the kind they were given.
pub trait KeyLike: sealed::Rewrap + Clone {
    /// The raw uint32 key data: the key shape followed by `[2]`.
    fn key_data(&self) -> &Array;
}

impl KeyLike for Array {
    fn key_data(&self) -> &Array {
        self
    }
}

impl sealed::Rewrap for Array {
    fn rewrap(&self, data: Array) -> Array {
        data
    }
}

impl KeyLike for Key {
    fn key_data(&self) -> &Array {
        &self.data
    }
}

impl sealed::Rewrap for Key {
    fn rewrap(&self, data: Array) -> Key {
        Key { data }
    }
}

/// Keys of the same kind as `like` around the key data `data`.
pub(super) fn rewrap<K: KeyLike>(like: &K, data: Array) -> K {
    sealed::Rewrap::rewrap(like, data)
}

/// A typed key from an integer seed: a Rust integer (an unsuffixed
/// literal is an `i32`) or a scalar integer array, traced or not. The bits
/// are JAX's for a seed of the same dtype (see [`Seed`]).
///
/// ```
/// use rjax::{jit, random, Array};
/// let k = random::key(42);
/// assert_eq!(random::key_data(&k).to_vec::<u32>().unwrap(), vec![0, 42]);
/// let big = random::key(-2i64);
/// assert_eq!(random::key_data(&big).to_vec::<u32>().unwrap(), vec![u32::MAX, u32::MAX - 1]);
/// // A traced seed under jit.
/// let from_seed = jit(|s: Array| random::key(&s));
/// let k = from_seed.call(Array::scalar(42i32)).unwrap();
/// assert_eq!(random::key_data(&k).to_vec::<u32>().unwrap(), vec![0, 42]);
/// ```
#[track_caller]
pub fn key(seed: impl Into<Seed>) -> Key {
    Key {
        data: seed.into().key_data(),
    }
}

/// Raw key data (uint32 `[2]`) from an integer seed, JAX's legacy
/// `PRNGKey`: [`key_data`] of [`key`]`(seed)`.
///
/// ```
/// use rjax::random;
/// let k = random::PRNGKey(-1);
/// assert_eq!(k.to_vec::<u32>().unwrap(), vec![0, u32::MAX]);
/// ```
#[allow(non_snake_case)]
#[track_caller]
pub fn PRNGKey(seed: impl Into<Seed>) -> Array {
    seed.into().key_data()
}

/// The raw uint32 data of keys: the key shape followed by `[2]` (raw key
/// data is returned as it is).
///
/// ```
/// use rjax::random;
/// let keys = random::split(&random::key(0), 2);
/// let data = random::key_data(&keys);
/// assert_eq!(data.to_vec::<u32>().unwrap(), vec![1797259609, 2579123966, 928981903, 3453687069]);
/// ```
pub fn key_data(keys: &impl KeyLike) -> Array {
    keys.key_data().clone()
}

/// Typed keys around raw uint32 key data whose last axis is `[2]` (the
/// inverse of [`key_data`]); other data gives keys that hold a typed
/// error.
///
/// ```
/// use rjax::{random, Array};
/// let data = Array::from_slice(&[0u32, 42], &[2]);
/// let k = random::wrap_key_data(&data);
/// assert_eq!(random::key_impl(&k).unwrap(), random::KeyImpl::Threefry2x32);
/// assert!(random::wrap_key_data(&Array::scalar(1.0f32)).shape().is_err());
/// ```
#[track_caller]
pub fn wrap_key_data(data: &Array) -> Key {
    let location = crate::location::current();
    let data = match check_key_data("wrap_key_data", data) {
        Ok(()) => data.clone(),
        Err(e) => Array::from_error(e.at(location)),
    };
    Key { data }
}

/// A typed error unless `data` is uint32 with a last axis of 2.
fn check_key_data(op: &str, data: &Array) -> Result<()> {
    let aval = data.aval()?;
    if aval.dtype == DType::U32 && aval.shape.last() == Some(&2) {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::Shape,
        op,
        format!(
            "key data is a uint32 array whose last axis is 2, got {}{:?}",
            aval.dtype.name(),
            aval.shape
        ),
    )
    .with_operands(vec![aval]))
}

/// A pseudo-random number generator implementation (JAX's `PRNGSpec`).
/// rjax has JAX's default, Threefry-2x32.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyImpl {
    /// Threefry-2x32 with 20 rounds: two uint32 words per key.
    Threefry2x32,
}

impl KeyImpl {
    /// JAX's name of the implementation.
    pub fn name(self) -> &'static str {
        match self {
            KeyImpl::Threefry2x32 => "threefry2x32",
        }
    }
}

impl std::fmt::Display for KeyImpl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The implementation behind `keys` (typed or raw), or the error they
/// hold, or a typed error if raw data is not uint32 with a last axis of 2.
///
/// ```
/// use rjax::random;
/// assert_eq!(random::key_impl(&random::PRNGKey(0)).unwrap().name(), "threefry2x32");
/// ```
#[track_caller]
pub fn key_impl(keys: &impl KeyLike) -> Result<KeyImpl> {
    let location = crate::location::current();
    check_key_data("key_impl", keys.key_data()).map_err(|e| e.at(location))?;
    Ok(KeyImpl::Threefry2x32)
}

/// A copy of `key` to use again: the key itself (JAX's `clone`, which only
/// matters to JAX's key-reuse checker; rjax has none).
///
/// ```
/// use rjax::{random, DType};
/// let key = random::key(0);
/// let again = random::clone(&key);
/// let x = random::uniform(&key, &[2], DType::F32, 0.0, 1.0);
/// let y = random::uniform(&again, &[2], DType::F32, 0.0, 1.0);
/// assert_eq!(x.to_vec::<f32>().unwrap(), y.to_vec::<f32>().unwrap());
/// ```
pub fn clone<K: KeyLike>(key: &K) -> K {
    key.clone()
}
