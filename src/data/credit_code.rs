//! Unified social credit codes (统一社会信用代码, GB 32100-2015): 18 characters whose
//! last is a check character over the first 17.

use crate::messages::Lang;
use crate::msg;

const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

fn value_of(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// The check character the first 17 characters call for.
pub fn check_char(first17: &str) -> Option<char> {
    let bytes = first17.as_bytes();
    if bytes.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (b, w) in bytes.iter().zip(WEIGHTS) {
        sum += value_of(*b)? * w;
    }
    let check = (31 - sum % 31) % 31;
    Some(ALPHABET[check as usize] as char)
}

/// `Ok(())` for a valid code; otherwise why it is not one, in `lang`.
pub fn validate(lang: Lang, code: &str) -> Result<(), String> {
    let n = code.chars().count();
    if n != 18 {
        return Err(msg!(lang, CREDIT_LENGTH, n));
    }
    if let Some(bad) = code
        .chars()
        .find(|c| !c.is_ascii() || value_of(*c as u8).is_none())
    {
        return Err(msg!(lang, CREDIT_CHAR, bad));
    }
    // 17 ASCII characters from the alphabet: the check character is defined.
    let expected = check_char(&code[..17]).unwrap_or('?');
    let actual = code.as_bytes()[17] as char;
    if expected != actual {
        return Err(msg!(lang, CREDIT_CHECK, actual, expected));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_validate() {
        assert_eq!(validate(Lang::En, "91310110666007217T"), Ok(()));
        assert_eq!(validate(Lang::En, "91310115591693856A"), Ok(()));
    }

    #[test]
    fn wrong_check_length_and_alphabet_are_rejected() {
        assert!(validate(Lang::En, "91310110666007217U")
            .unwrap_err()
            .contains("`T`"));
        assert!(validate(Lang::En, "9131011066600721")
            .unwrap_err()
            .contains("18"));
        assert!(validate(Lang::En, "9131011066600721IT").is_err());
        assert!(validate(Lang::En, "91310110666007217t").is_err());
    }
}
