//! The two browser observers the embed needs: when it first becomes visible (so nothing
//! runs in a frame the reader never scrolls to) and when its content's height changes.

use js_sys::Array;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Element, IntersectionObserver, IntersectionObserverEntry, ResizeObserver};

/// Keeps an observer and its callback alive; disconnects when dropped.
pub struct Watch {
    disconnect: Box<dyn Fn()>,
    // The callback must outlive the observer that calls it.
    _callback: Closure<dyn FnMut(Array)>,
}

impl Drop for Watch {
    fn drop(&mut self) {
        (self.disconnect)();
    }
}

/// Calls `on_visible` each time any part of `element` enters the viewport.
pub fn when_visible(element: &Element, mut on_visible: impl FnMut() + 'static) -> Option<Watch> {
    let callback = Closure::<dyn FnMut(Array)>::new(move |entries: Array| {
        let visible = entries.iter().any(|entry| {
            entry
                .dyn_into::<IntersectionObserverEntry>()
                .is_ok_and(|e| e.is_intersecting())
        });
        if visible {
            on_visible();
        }
    });
    let observer = IntersectionObserver::new(callback.as_ref().unchecked_ref()).ok()?;
    observer.observe(element);
    Some(Watch {
        disconnect: Box::new(move || observer.disconnect()),
        _callback: callback,
    })
}

/// Calls `on_height` with `element`'s full content height whenever its size changes.
pub fn on_resize(element: &Element, mut on_height: impl FnMut(f64) + 'static) -> Option<Watch> {
    let target = element.clone();
    let callback = Closure::<dyn FnMut(Array)>::new(move |_: Array| {
        on_height(f64::from(target.scroll_height()));
    });
    let observer = ResizeObserver::new(callback.as_ref().unchecked_ref()).ok()?;
    observer.observe(element);
    Some(Watch {
        disconnect: Box::new(move || observer.disconnect()),
        _callback: callback,
    })
}
