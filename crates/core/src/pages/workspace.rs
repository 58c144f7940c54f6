//! The workspace's layout state without the DOM: where the split between the conversation
//! and the result sits (dragged, stepped by keys, remembered), and which pane a phone shows.

/// The conversation pane's share of the workspace's width, kept between these bounds so
/// neither pane can be dragged away.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Split(f64);

impl Split {
    pub const MIN: f64 = 0.25;
    pub const MAX: f64 = 0.75;
    /// How far one arrow key moves the split.
    pub const STEP: f64 = 0.02;

    pub fn new(fraction: f64) -> Self {
        let fraction = if fraction.is_finite() { fraction } else { 0.5 };
        Self(fraction.clamp(Self::MIN, Self::MAX))
    }

    /// Where a pointer at `x` puts the split in a workspace from `left`, `width` wide.
    pub fn at_pointer(x: f64, left: f64, width: f64) -> Self {
        if width <= 0.0 {
            return Self::default();
        }
        Self::new((x - left) / width)
    }

    /// The split moved by `steps` arrow-key steps (negative: to the left).
    pub fn stepped(self, steps: f64) -> Self {
        Self::new(self.0 + steps * Self::STEP)
    }

    /// A remembered split, or the default when there is none or it does not parse.
    pub fn parse(stored: Option<&str>) -> Self {
        stored
            .and_then(|s| s.trim().parse::<f64>().ok())
            .map_or_else(Self::default, Self::new)
    }

    pub fn fraction(self) -> f64 {
        self.0
    }

    /// The conversation column's width, as the stylesheet's `--split` takes it.
    pub fn css(self) -> String {
        format!("{:.1}%", self.0 * 100.0)
    }

    /// The separator's `aria-valuenow`: the conversation's share in whole percent.
    pub fn percent(self) -> u32 {
        (self.0 * 100.0).round() as u32
    }
}

impl Default for Split {
    /// A little more room for the result, which holds a page.
    fn default() -> Self {
        Self(0.45)
    }
}

/// The pane shown on a narrow screen, where only one fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pane {
    #[default]
    Answer,
    Result,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_split_stays_between_its_bounds_whatever_the_pointer_or_the_keys_do() {
        assert_eq!(Split::at_pointer(500.0, 100.0, 800.0).fraction(), 0.5);
        assert_eq!(
            Split::at_pointer(-4000.0, 0.0, 800.0).fraction(),
            Split::MIN
        );
        assert_eq!(Split::at_pointer(9000.0, 0.0, 800.0).fraction(), Split::MAX);
        assert_eq!(Split::at_pointer(10.0, 0.0, 0.0), Split::default());
        assert_eq!(Split::new(f64::NAN), Split::new(0.5));
        let mut split = Split::default();
        for _ in 0..100 {
            split = split.stepped(1.0);
        }
        assert_eq!(split.fraction(), Split::MAX);
        assert!((Split::new(0.5).stepped(-1.0).fraction() - 0.48).abs() < 1e-9);
    }

    #[test]
    fn a_remembered_split_is_read_back_and_nonsense_gives_the_default() {
        assert_eq!(Split::parse(Some("0.6")), Split::new(0.6));
        assert_eq!(Split::parse(Some(" 0.9 ")).fraction(), Split::MAX);
        assert_eq!(Split::parse(Some("wide")), Split::default());
        assert_eq!(Split::parse(None), Split::default());
        assert_eq!(Split::new(0.6).css(), "60.0%");
        assert_eq!(Split::new(0.456).percent(), 46);
    }
}
