//! [`Real`]: the scalar the layers compute in.
//!
//! Every layer is generic over `f32` (the default, what models run in) and
//! `f64` (what the finite-difference checks run in: a central difference in
//! `f32` loses about half of its digits to rounding, so a relative error of
//! 1e-3 could not be told apart from noise). One code path serves both, so the
//! checks test the code that runs.

use std::fmt::{Debug, Display};
use std::iter::Sum;
use std::ops::{AddAssign, DivAssign, MulAssign, Neg, SubAssign};

/// A floating-point scalar the layers compute in: `f32` or `f64`.
pub trait Real:
    ndarray::LinalgScalar
    + ndarray::ScalarOperand
    + Send
    + Sync
    + Debug
    + Display
    + Default
    + PartialOrd
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
    + Neg<Output = Self>
    + Sum
    + serde::Serialize
    + for<'de> serde::Deserialize<'de>
{
    /// Rounds an `f64`.
    fn from_f64(x: f64) -> Self;
    /// Widens to `f64`.
    fn to_f64(self) -> f64;
    /// Converts an `f32` (exact for both types).
    fn from_f32(x: f32) -> Self;
    /// Rounds to `f32`.
    fn to_f32(self) -> f32;
    /// Square root.
    fn sqrt(self) -> Self;
    /// `e^self`.
    fn exp(self) -> Self;
    /// Natural logarithm.
    fn ln(self) -> Self;
    /// `-∞`, the additive mask of a blocked attention logit.
    fn neg_infinity() -> Self;
    /// True unless infinite or NaN.
    fn is_finite(self) -> bool;
    /// The larger of two values.
    fn max(self, other: Self) -> Self;
}

/// `from_*` and `to_*` methods of [`Real`] for `$t`: `as` casts from and to
/// each `$x`.
macro_rules! casts {
    ($t:ty: $(($from:ident, $to:ident, $x:ty)),*) => {$(
        #[inline(always)]
        fn $from(x: $x) -> Self {
            x as $t
        }
        #[inline(always)]
        fn $to(self) -> $x {
            self as $x
        }
    )*};
}

/// Methods of [`Real`] for `$t` that are its own methods of the same name.
macro_rules! inherent {
    ($t:ty: $(fn $name:ident(self $(, $arg:ident: Self)?) -> $ret:ty;)*) => {$(
        #[inline(always)]
        fn $name(self $(, $arg: Self)?) -> $ret {
            <$t>::$name(self $(, $arg)?)
        }
    )*};
}

macro_rules! impl_real {
    ($t:ty) => {
        impl Real for $t {
            casts!($t: (from_f64, to_f64, f64), (from_f32, to_f32, f32));
            inherent! {$t:
                fn sqrt(self) -> Self;
                fn exp(self) -> Self;
                fn ln(self) -> Self;
                fn is_finite(self) -> bool;
                fn max(self, other: Self) -> Self;
            }
            #[inline(always)]
            fn neg_infinity() -> Self {
                <$t>::NEG_INFINITY
            }
        }
    };
}

impl_real!(f32);
impl_real!(f64);
