//! Exact numbers for the aggregates of list rules: a fraction of two `i128`, every operation
//! checked. Sums of data are kept in millionths (a cell's decimal to six places), so a sum is
//! the same whatever the order of the records or the number of threads; an operation that
//! would overflow gives `None`, which a rule reports as a finding, never a panic.

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Serialize};

/// Millionths: the unit in which data values enter a sum.
pub const MICRO: i128 = 1_000_000;

/// `num / den`, `den > 0`, in lowest terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exact {
    num: i128,
    den: i128,
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Exact {
    /// The whole number `n`.
    pub const fn int(n: i128) -> Exact {
        Exact { num: n, den: 1 }
    }

    /// `num / den`; `None` when `den` is zero (or the sign cannot be moved without overflow).
    pub fn ratio(num: i128, den: i128) -> Option<Exact> {
        if den == 0 {
            return None;
        }
        let (num, den) = if den < 0 {
            (num.checked_neg()?, den.checked_neg()?)
        } else {
            (num, den)
        };
        let g = gcd(num, den).max(1);
        Some(Exact {
            num: num / g,
            den: den / g,
        })
    }

    /// The numerator and the (positive) denominator, in lowest terms.
    pub fn parts(self) -> (i128, i128) {
        (self.num, self.den)
    }

    /// A count of millionths (how sums of data are kept).
    pub fn micros(n: i128) -> Exact {
        Exact::ratio(n, MICRO).unwrap_or(Exact::int(0))
    }

    /// Millionths of a data value, rounded half away from zero at the sixth place; `None`
    /// for a value that is not finite or does not fit.
    pub fn micros_of_f64(x: f64) -> Option<i128> {
        let scaled = (x * MICRO as f64).round();
        // 1e30 is far inside i128 and far beyond any emission or capacity figure.
        (scaled.is_finite() && scaled.abs() < 1e30).then_some(scaled as i128)
    }

    /// A decimal literal as written (`12.35`, `20`): exact.
    pub fn parse_decimal(text: &str) -> Option<Exact> {
        let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
        if whole.is_empty()
            || !whole
                .bytes()
                .chain(frac.bytes())
                .all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let mut num: i128 = 0;
        for b in whole.bytes().chain(frac.bytes()) {
            num = num.checked_mul(10)?.checked_add(i128::from(b - b'0'))?;
        }
        let den = 10i128.checked_pow(u32::try_from(frac.len()).ok()?)?;
        Exact::ratio(num, den)
    }

    pub fn checked_add(self, o: Exact) -> Option<Exact> {
        let num = self
            .num
            .checked_mul(o.den)?
            .checked_add(o.num.checked_mul(self.den)?)?;
        Exact::ratio(num, self.den.checked_mul(o.den)?)
    }

    pub fn checked_mul(self, o: Exact) -> Option<Exact> {
        Exact::ratio(self.num.checked_mul(o.num)?, self.den.checked_mul(o.den)?)
    }

    /// `None` on division by zero or overflow.
    pub fn checked_div(self, o: Exact) -> Option<Exact> {
        Exact::ratio(self.num.checked_mul(o.den)?, self.den.checked_mul(o.num)?)
    }

    /// How `self` compares with `o`; `None` when the cross products overflow.
    pub fn checked_cmp(self, o: Exact) -> Option<Ordering> {
        Some(
            self.num
                .checked_mul(o.den)?
                .cmp(&o.num.checked_mul(self.den)?),
        )
    }

    /// True when the value has no more than `places` decimal places (in lowest terms: its
    /// denominator divides 10^places).
    fn exact_in(self, places: u32) -> bool {
        10i128
            .checked_pow(places)
            .is_some_and(|p| p % self.den == 0)
    }
}

/// Exactly when the value has at most six decimal places (`12.5`, `3`); otherwise rounded to
/// four places with `≈` before it (`≈33.3333`).
impl fmt::Display for Exact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let exact = self.exact_in(6);
        let places: u32 = if exact { 6 } else { 4 };
        let scale = 10u128.pow(places);
        let neg = self.num < 0;
        let num = self.num.unsigned_abs();
        let den = self.den.unsigned_abs();
        // Rounded half up at `places`: (num * scale * 2 + den) / (2 * den), in u128 when it
        // fits, else the whole part alone.
        let scaled = num
            .checked_mul(scale)
            .and_then(|n| n.checked_mul(2))
            .and_then(|n| n.checked_add(den))
            .map(|n| n / (2 * den));
        if !exact {
            f.write_str("≈")?;
        }
        if neg && scaled != Some(0) {
            f.write_str("-")?;
        }
        match scaled {
            Some(s) => {
                let (whole, frac) = (s / scale, s % scale);
                write!(f, "{whole}")?;
                if frac != 0 {
                    let digits = format!("{frac:0width$}", width = places as usize);
                    write!(f, ".{}", digits.trim_end_matches('0'))?;
                }
                Ok(())
            }
            None => write!(f, "{}", num / den),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn decimals_parse_exactly_and_print_back() {
        let x = Exact::parse_decimal("12.350").unwrap();
        assert_eq!(x, Exact::ratio(247, 20).unwrap());
        assert_eq!(x.to_string(), "12.35");
        assert_eq!(Exact::int(-3).to_string(), "-3");
        assert_eq!(Exact::ratio(100, 3).unwrap().to_string(), "≈33.3333");
        assert_eq!(Exact::micros(1_500_000).to_string(), "1.5");
        assert!(Exact::parse_decimal("1e3").is_none());
        assert!(Exact::parse_decimal("").is_none());
        assert!(Exact::parse_decimal(".5").is_none());
    }

    #[test]
    fn overflow_and_division_by_zero_are_none() {
        let big = Exact::int(i128::MAX);
        assert!(big.checked_add(Exact::int(1)).is_none());
        assert!(big.checked_mul(Exact::int(2)).is_none());
        assert!(Exact::int(1).checked_div(Exact::int(0)).is_none());
        assert!(Exact::ratio(1, 0).is_none());
        assert!(Exact::ratio(i128::MIN, -1).is_none());
        assert_eq!(Exact::micros_of_f64(f64::NAN), None);
        assert_eq!(Exact::micros_of_f64(0.1), Some(100_000));
    }

    proptest! {
        // The sum of millionths is the same in any order, and compares like the values.
        #[test]
        fn sums_do_not_depend_on_order(xs in proptest::collection::vec(-1e9f64..1e9, 0..40), seed in any::<u64>()) {
            let micros: Vec<i128> = xs.iter().map(|x| Exact::micros_of_f64(*x).unwrap()).collect();
            let forward: i128 = micros.iter().sum();
            let mut shuffled = micros.clone();
            let n = shuffled.len().max(1);
            shuffled.rotate_left((seed as usize) % n);
            shuffled.reverse();
            prop_assert_eq!(forward, shuffled.iter().sum::<i128>());
            let a = Exact::micros(forward);
            prop_assert_eq!(a.checked_cmp(a), Some(Ordering::Equal));
            prop_assert_eq!(a.checked_add(Exact::int(1)).unwrap().checked_cmp(a), Some(Ordering::Greater));
        }
    }
}
