//! Each page downloads only its own wasm module (the app, the kiosk, the embed), checked
//! in the browser's resource timing, with its stylesheets applied; a module that fails to
//! load is said so on the page.

use std::time::Duration;

use anyhow::{ensure, Result};
use sparkplug_e2e::{copy_dir, dist_dir, test_config, Harness};

/// Every page's path, what shows that it has mounted, and its module.
const PAGES: [(&str, &str, &str); 3] = [
    ("/", "send", "sparkplug"),
    // A trailing slash is the same page.
    ("/kiosk/", "kiosk-floor", "sparkplug-kiosk"),
    (
        "/embed?model=demo-1000&prompt=Write+FizzBuzz+in+Python",
        "embed-prompt",
        "sparkplug-embed",
    ),
];

/// Opens `path` and waits until the element `data-test=<mounted>` exists.
async fn open(h: &Harness, path: &str, mounted: &str) -> Result<()> {
    h.browser.goto(&format!("{}{path}", h.base)).await?;
    h.wait_for(path, Duration::from_secs(20), async |h| {
        let found = h
            .js(
                "return document.querySelector(arguments[0]) !== null;",
                vec![Harness::sel(mounted).into()],
            )
            .await?;
        Ok(found.as_bool().unwrap_or(false).then_some(()))
    })
    .await
}

#[tokio::test]
async fn each_page_fetches_only_its_own_module() -> Result<()> {
    let h = Harness::start("page_modules", test_config()).await?;
    h.run(async |h| {
        for (path, mounted, module) in PAGES {
            open(h, path, mounted).await?;
            let fetched = h.fetched().await?;
            for file in [format!("/{module}.js"), format!("/{module}_bg.wasm")] {
                let times = fetched.iter().filter(|p| **p == file).count();
                ensure!(
                    times == 1,
                    "{path} fetched {file} {times} times: {fetched:?}"
                );
            }
            let styles = h
                .js(
                    "const links = [...document.querySelectorAll('link[rel=stylesheet]')];
                     return [links.length, links.filter(l => !l.sheet?.cssRules.length).map(l => l.href)];",
                    vec![],
                )
                .await?;
            let (linked, unapplied) = (styles[0].as_u64().unwrap_or(0), &styles[1]);
            ensure!(
                linked == 1 && unapplied.as_array().is_some_and(Vec::is_empty),
                "{path}: {linked} stylesheets (one bundle expected), not applied: {unapplied}"
            );
            for (_, _, other) in PAGES.iter().filter(|(_, _, m)| *m != module) {
                let foreign: Vec<_> = fetched
                    .iter()
                    .filter(|p| **p == format!("/{other}.js") || **p == format!("/{other}_bg.wasm"))
                    .collect();
                ensure!(foreign.is_empty(), "{path} fetched {foreign:?}");
            }
        }
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_module_that_does_not_load_is_reported_on_the_page() -> Result<()> {
    // A copy of the build whose kiosk module is missing, as after a half-finished deploy.
    let dist = std::env::temp_dir().join(format!("sparkplug-no-kiosk-{}", std::process::id()));
    copy_dir(&dist_dir(), &dist)?;
    std::fs::remove_file(dist.join("sparkplug-kiosk_bg.wasm"))?;
    let mut config = test_config();
    config.dist_dir = dist.clone();
    let h = Harness::start("page_modules_missing", config).await?;
    let result = h
        .run(async |h| {
            h.browser.goto(&format!("{}/kiosk", h.base)).await?;
            let alert = h
                .wait_for("the start-up error", Duration::from_secs(20), async |h| {
                    let text = h
                        .js(
                            "return document.querySelector('[role=alert]')?.textContent ?? null;",
                            vec![],
                        )
                        .await?;
                    Ok(text.as_str().map(str::to_owned))
                })
                .await?;
            ensure!(
                alert.starts_with("Sparkplug could not start"),
                "unexpected message: {alert}"
            );
            Ok(())
        })
        .await;
    std::fs::remove_dir_all(&dist).ok();
    result
}
