//! Shared pieces of the layout tests: resizing the window, and finding what makes a page
//! scroll sideways.

use anyhow::{ensure, Context, Result};
use sparkplug_e2e::Harness;

/// Resizes the window and returns the viewport it gave (innerWidth, innerHeight).
pub async fn resize(h: &Harness, width: u32, height: u32) -> Result<(f64, f64)> {
    h.browser
        .set_window_size(width, height)
        .await
        .context("resizing the window")?;
    let size = h.js("return [innerWidth, innerHeight];", vec![]).await?;
    let pair: (f64, f64) = serde_json::from_value(size)?;
    Ok(pair)
}

/// Fails if the page scrolls sideways, naming the elements that stick out.
pub async fn no_sideways_overflow(h: &Harness, size: &str) -> Result<()> {
    let v = h
        .js(
            "const root = document.documentElement;
             const over = root.scrollWidth - root.clientWidth;
             const sticks = (e) => !!e && e.getClientRects().length > 0
               && e.getBoundingClientRect().right > root.clientWidth + 1;
             // Clipped by a scrolling ancestor that itself fits: not the page's overflow.
             const clipped = (e) => {
               for (let a = e.parentElement; a; a = a.parentElement) {
                 if (getComputedStyle(a).overflowX !== 'visible' && !sticks(a)) return true;
               }
               return false;
             };
             // Where the overflow starts: elements sticking out whose parent does not.
             const out = [...document.querySelectorAll('body *')]
               .filter(e => sticks(e) && !clipped(e) && !sticks(e.parentElement))
               .slice(0, 6)
               .map(e => `${e.tagName.toLowerCase()}.${e.className}[${e.dataset.test || ''}] right=${Math.round(e.getBoundingClientRect().right)}`);
             return [over, out.join(', ')];",
            vec![],
        )
        .await?;
    let (over, culprits): (f64, String) = serde_json::from_value(v)?;
    ensure!(
        over <= 0.0,
        "{size}: the page scrolls {over} px sideways; sticking out: {culprits}"
    );
    Ok(())
}
