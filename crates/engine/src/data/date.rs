//! Dates in cells: `2024-03-31`, `2024/03/31`, or either with a time of day
//! (`2024-03-31T14:05`, `2024-03-31 14:05:09.5`, an optional trailing `Z`). Other time zones are
//! not read: an offset would silently move rows across days.
//!
//! Written by hand rather than with a date crate: three integer formulas, exact on every target,
//! and no weight added to the page for formats a CSV column does not need.

/// A date's model features: days since 1970-01-01 (with the time of day as a fraction), the month
/// (1–12) and the day of the week (1 = Monday … 7 = Sunday).
pub(crate) const DATE_FEATURES: [&str; 3] = ["days", "month", "weekday"];

/// Days since 1970-01-01 (negative before), with the time of day as a fraction, or `None` when
/// the cell is not a date in one of the forms above (including days that do not exist, such as
/// 2023-02-29).
pub fn parse_date(cell: &str) -> Option<f64> {
    let cell = cell.trim();
    let (date, time) = match cell.find(['T', ' ']) {
        Some(at) => (&cell[..at], Some(&cell[at + 1..])),
        None => (cell, None),
    };
    let separator = if date.contains('-') { '-' } else { '/' };
    let mut parts = date.split(separator);
    let year = digits(parts.next()?, 4)?;
    let month = digits(parts.next()?, 2)?;
    let day = digits(parts.next()?, 2)?;
    if parts.next().is_some() || !(1..=12).contains(&month) {
        return None;
    }
    if day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let seconds = match time {
        Some(time) => seconds_of_day(time.strip_suffix('Z').unwrap_or(time))?,
        None => 0.0,
    };
    Some(days_from_civil(year, month, day) as f64 + seconds / 86_400.0)
}

/// The three features of a date given as days since 1970-01-01 ([`DATE_FEATURES`]).
pub(crate) fn date_features(days: f64) -> [f64; 3] {
    let whole = days.floor();
    // Days since 1970-01-01 fit an i64 for any date a cell can hold (years 0–9999).
    let day_number = whole as i64;
    let (_, month, _) = civil_from_days(day_number);
    // 1970-01-01 was a Thursday (4 with Monday = 1).
    let weekday = (day_number + 3).rem_euclid(7) + 1;
    [days, month as f64, weekday as f64]
}

/// Exactly `width` ASCII digits.
fn digits(text: &str, width: usize) -> Option<i64> {
    (text.len() == width && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fff`, as seconds since midnight.
fn seconds_of_day(time: &str) -> Option<f64> {
    let mut parts = time.split(':');
    let hours = digits(parts.next()?, 2)?;
    let minutes = digits(parts.next()?, 2)?;
    let seconds = match parts.next() {
        None => 0.0,
        Some(s) => {
            let (whole, fraction) = match s.split_once('.') {
                Some((whole, fraction)) => (whole, Some(fraction)),
                None => (s, None),
            };
            let whole = digits(whole, 2)?;
            let fraction = match fraction {
                None => 0.0,
                Some(f) if (1..=9).contains(&f.len()) && f.bytes().all(|b| b.is_ascii_digit()) => {
                    format!("0.{f}").parse::<f64>().ok()?
                }
                Some(_) => return None,
            };
            whole as f64 + fraction
        }
    };
    if parts.next().is_some() || hours > 23 || minutes > 59 || seconds >= 60.0 {
        return None;
    }
    Some((hours * 3600 + minutes * 60) as f64 + seconds)
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of [`days_from_civil`]: year, month and day of a day number.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_as_days_since_1970() {
        assert_eq!(parse_date("1970-01-01"), Some(0.0));
        assert_eq!(parse_date("1970-01-02"), Some(1.0));
        assert_eq!(parse_date("1969-12-31"), Some(-1.0));
        assert_eq!(parse_date("2000-03-01"), Some(11_017.0));
        assert_eq!(parse_date("2024/02/29"), Some(19_782.0));
        assert_eq!(parse_date(" 2024-02-29 "), Some(19_782.0));
        assert_eq!(parse_date("1970-01-01T12:00"), Some(0.5));
        assert_eq!(parse_date("1970-01-01 06:00:00Z"), Some(0.25));
        assert_eq!(parse_date("1970-01-01T00:00:43.2"), Some(0.0005));
    }

    #[test]
    fn anything_else_is_not_a_date() {
        for cell in [
            "",
            "2024",
            "20240131",
            "2024-1-31",
            "2024-13-01",
            "2023-02-29",
            "2024-04-31",
            "2024-00-10",
            "2024-01-00",
            "2024-01-31x",
            "2024-01-31T25:00",
            "2024-01-31T10:60",
            "2024-01-31T10:00:60",
            "2024-01-31T10",
            "2024-01-31T10:00+02:00",
            "31/01/2024",
            "2024-01/31",
            "abc",
            "12.5",
            "-2024-01-01",
            "2024-01-31T10:00:00.",
        ] {
            assert_eq!(parse_date(cell), None, "{cell:?}");
        }
    }

    #[test]
    fn the_features_are_days_month_and_weekday() {
        // 2024-02-29 was a Thursday; 1970-01-04 a Sunday; 1969-12-29 a Monday.
        assert_eq!(date_features(19_782.5), [19_782.5, 2.0, 4.0]);
        assert_eq!(date_features(3.0), [3.0, 1.0, 7.0]);
        assert_eq!(date_features(-3.0), [-3.0, 12.0, 1.0]);
    }

    #[test]
    fn day_numbers_and_calendar_dates_round_trip() {
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert!((1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m));
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
    }
}
