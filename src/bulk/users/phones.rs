//! Phone numbers by country: the trunk prefix PagerDuty refuses at the start of the national
//! digits of a phone or SMS contact method (reference §9: a leading `0` only for 33, 40, 44,
//! 45, 49, 61, 66 and 91; `1` for North America, where no number starts with `0` either;
//! `1` on Mexican SMS), and the countries whose
//! numbers keep their leading `0` in international form. Shared by the importer's check
//! (`super::phone`) and pd-sandbox's contact methods; pure.

/// Countries where PagerDuty refuses a national number starting with the trunk prefix `0`.
pub const REFUSES_LEADING_ZERO: &[u16] = &[33, 40, 44, 45, 49, 61, 66, 91];
/// The North American Numbering Plan's country code: a leading `1` is its trunk prefix.
pub const NANP: u16 = 1;
/// Mexico: PagerDuty refuses a leading `1` (the old mobile prefix) on SMS numbers.
pub const MEXICO: u16 = 52;
/// Italy, San Marino and the Vatican keep the leading `0` in international form, so a `0`
/// there is part of the number, not a trunk prefix.
pub const KEEPS_LEADING_ZERO: &[u16] = &[39, 378, 379];

/// The digits PagerDuty refuses at the start of the national digits of a number with
/// `country_code` (an SMS number when `sms`): none for most countries.
pub fn refused_prefixes(country_code: u16, sms: bool) -> &'static [char] {
    if country_code == NANP {
        // A North American number starts with 2 to 9: `1` is the trunk prefix.
        &['0', '1']
    } else if country_code == MEXICO && sms {
        &['1']
    } else if REFUSES_LEADING_ZERO.contains(&country_code) {
        &['0']
    } else {
        &[]
    }
}

/// Whether PagerDuty refuses `national` (digits without the country code) for
/// `country_code` because it starts with a trunk prefix.
pub fn starts_with_refused_prefix(national: &str, country_code: u16, sms: bool) -> bool {
    national
        .chars()
        .next()
        .is_some_and(|first| refused_prefixes(country_code, sms).contains(&first))
}

/// Whether a leading `0` belongs to the number in this country (Italy and its neighbours).
pub fn keeps_leading_zero(country_code: u16) -> bool {
    KEEPS_LEADING_ZERO.contains(&country_code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pagerduty_refuses_zero_only_in_its_list_and_one_in_nanp_and_on_mexican_sms() {
        for cc in [33, 40, 44, 45, 49, 61, 66, 91] {
            assert_eq!(refused_prefixes(cc, false), ['0'], "{cc}");
            assert_eq!(refused_prefixes(cc, true), ['0'], "{cc}");
        }
        for cc in [39, 81, 55, 7, 353, 34] {
            assert!(refused_prefixes(cc, false).is_empty(), "{cc}");
        }
        assert_eq!(refused_prefixes(1, false), ['0', '1']);
        assert_eq!(refused_prefixes(1, true), ['0', '1']);
        assert_eq!(refused_prefixes(52, true), ['1']);
        assert!(refused_prefixes(52, false).is_empty());
        assert!(starts_with_refused_prefix("07700900123", 44, false));
        assert!(!starts_with_refused_prefix("7700900123", 44, false));
        assert!(starts_with_refused_prefix("15512345678", 52, true));
        assert!(!starts_with_refused_prefix("15512345678", 52, false));
        assert!(!starts_with_refused_prefix("0612345678", 39, false));
    }

    #[test]
    fn italy_and_its_neighbours_keep_their_zero() {
        assert!(keeps_leading_zero(39));
        assert!(keeps_leading_zero(378));
        assert!(keeps_leading_zero(379));
        assert!(!keeps_leading_zero(44));
    }
}
