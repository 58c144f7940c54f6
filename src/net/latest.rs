//! A value loaded from the network that follows its inputs: each change of the inputs aborts
//! the load under way, so a slow stale reply never overwrites a newer one.
//!
//! Leptos' own `LocalResource` waits for a running load to finish before it starts the next
//! and cannot abort it, so a slow endpoint would hold back the list of a fast one.

use std::future::Future;

use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::{AbortController, AbortSignal};

/// Loads `load(inputs(), signal)` now and again whenever the signals `inputs` reads change
/// (and are not equal to the last inputs); holds `initial` until the first load ends. The
/// load under way when the inputs change or the owner is cleaned up is aborted through its
/// `signal`, and whatever it returns is dropped.
pub fn latest<I, T, F>(
    inputs: impl Fn() -> I + 'static,
    load: impl Fn(&I, AbortSignal) -> F + 'static,
    initial: T,
) -> ReadSignal<T>
where
    I: PartialEq + 'static,
    T: Send + Sync + 'static,
    F: Future<Output = T> + 'static,
{
    let (value, set_value) = signal(initial);
    let running: StoredValue<Option<AbortController>, LocalStorage> = StoredValue::new_local(None);
    let abort_running = move || {
        running.update_value(|controller| {
            if let Some(controller) = controller.take() {
                controller.abort();
            }
        });
    };
    Effect::new(move |previous: Option<I>| {
        let wanted = inputs();
        if previous.as_ref() == Some(&wanted) {
            return wanted;
        }
        abort_running();
        let Ok(controller) = AbortController::new() else {
            return wanted;
        };
        let signal = controller.signal();
        running.set_value(Some(controller));
        let loading = load(&wanted, signal.clone());
        spawn_local(async move {
            let loaded = loading.await;
            // Aborted means newer inputs (or none) want a value now: this one is stale.
            if !signal.aborted() {
                set_value.set(loaded);
            }
        });
        wanted
    });
    on_cleanup(abort_running);
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::rc::Rc;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    /// Resolves after `ms` milliseconds of the page's clock.
    async fn sleep(ms: i32) {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            web_sys::window()
                .unwrap()
                .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
                .unwrap();
        });
        JsFuture::from(promise).await.unwrap();
    }

    #[wasm_bindgen_test]
    async fn a_slow_stale_load_is_aborted_and_never_overwrites_a_newer_one() {
        let host = document().create_element("div").unwrap();
        let made = Rc::new(RefCell::new(None));
        let keep = made.clone();
        // Mounted, so effects and tasks run as they do in the page.
        let _mounted = leptos::mount::mount_to(host.unchecked_into(), move || {
            let which = RwSignal::new("slow");
            let aborted = RwSignal::new(Vec::<&'static str>::new());
            let value = latest(
                move || which.get(),
                move |name, signal| {
                    let name = *name;
                    async move {
                        // The slow load answers long after the fast one.
                        sleep(if name == "slow" { 200 } else { 10 }).await;
                        if signal.aborted() {
                            aborted.update(|a| a.push(name));
                        }
                        format!("{name} list")
                    }
                },
                String::from("nothing yet"),
            );
            *keep.borrow_mut() = Some((which, aborted, value));
            view! { <p>{move || value.get()}</p> }
        });
        let (which, aborted, value) = made.borrow().expect("mounted");
        sleep(20).await;
        which.set("fast");
        // Until the slow load has come back (aborted), which is after the fast one.
        for _ in 0..100 {
            if aborted.with_untracked(|a| !a.is_empty()) {
                break;
            }
            sleep(10).await;
        }
        assert_eq!(aborted.get_untracked(), vec!["slow"]);
        assert_eq!(value.get_untracked(), "fast list");
    }
}
