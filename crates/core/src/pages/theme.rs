//! The colour theme a page shows: the visitor's system setting, or light or dark as picked
//! (the app's toggle, remembered in the browser; the embed's `theme` parameter).

/// A colour theme; `Auto` follows the system setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    Light,
    Dark,
    #[default]
    Auto,
}

impl Theme {
    /// What the page's `data-theme` says and what is stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Light => "light",
            Self::Dark => "dark",
            Self::Auto => "auto",
        }
    }

    /// A remembered choice; anything else follows the system.
    pub fn parse(stored: Option<&str>) -> Self {
        match stored.map(str::trim) {
            Some("light") => Self::Light,
            Some("dark") => Self::Dark,
            _ => Self::Auto,
        }
    }

    /// The toggle's next choice: system, light, dark, and round again.
    pub fn next(self) -> Self {
        match self {
            Self::Auto => Self::Light,
            Self::Light => Self::Dark,
            Self::Dark => Self::Auto,
        }
    }

    /// The toggle's label, naming the theme in effect.
    pub fn label(self) -> &'static str {
        match self {
            Self::Auto => "Theme: system",
            Self::Light => "Theme: light",
            Self::Dark => "Theme: dark",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_toggle_goes_round_and_a_stored_choice_reads_back() {
        let mut theme = Theme::default();
        let mut seen = vec![];
        for _ in 0..3 {
            seen.push(theme);
            assert_eq!(Theme::parse(Some(theme.as_str())), theme);
            theme = theme.next();
        }
        assert_eq!(theme, Theme::Auto);
        assert_eq!(seen, [Theme::Auto, Theme::Light, Theme::Dark]);
        assert_eq!(Theme::parse(Some("purple")), Theme::Auto);
        assert_eq!(Theme::parse(None), Theme::Auto);
    }
}
