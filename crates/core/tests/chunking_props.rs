//! However a body is cut into network chunks (one byte at a time, inside multi-byte UTF-8
//! characters, anywhere), decoding it must give exactly the reduction of the whole body.

mod common;

use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::sample::Index;
use sparkplug_core::stream::reduce::{reduce_body, Chunking, Reduction};
use sparkplug_core::StreamDecoder;

fn recordings() -> &'static [(common::Recording, Reduction)] {
    static CACHE: OnceLock<Vec<(common::Recording, Reduction)>> = OnceLock::new();
    CACHE.get_or_init(|| {
        common::recordings()
            .into_iter()
            .map(|rec| {
                let whole = reduce_body(rec.format, &rec.body, Chunking::Whole);
                (rec, whole)
            })
            .collect()
    })
}

/// Feeds `body` cut at the given byte offsets (sorted, each within the body).
fn reduce_cut(rec: &common::Recording, cuts: &[usize]) -> Reduction {
    let mut decoder = StreamDecoder::new(rec.format);
    let mut events = Vec::new();
    let mut from = 0;
    for &cut in cuts.iter().chain(std::iter::once(&rec.body.len())) {
        decoder.feed(&rec.body[from..cut], &mut events);
        from = cut;
    }
    decoder.finish(&mut events);
    Reduction::from_events(&events)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_cuts_of_any_recording_reduce_like_the_whole(
        pick in any::<Index>(),
        raw_cuts in prop::collection::vec(any::<Index>(), 0..60),
    ) {
        let (rec, whole) = pick.get(recordings());
        let mut cuts: Vec<usize> = raw_cuts.iter().map(|c| c.index(rec.body.len() + 1)).collect();
        cuts.sort_unstable();
        prop_assert_eq!(&reduce_cut(rec, &cuts), whole, "{} cut at {:?}", rec.name, cuts);
    }
}

#[test]
fn cuts_inside_every_kind_of_multibyte_character_change_nothing() {
    let mut checked = 0;
    for (rec, whole) in recordings() {
        // Offsets of UTF-8 continuation bytes: a cut there splits a character.
        let inside: Vec<usize> = rec
            .body
            .iter()
            .enumerate()
            .filter(|&(_, &b)| b & 0b1100_0000 == 0b1000_0000)
            .map(|(at, _)| at)
            .collect();
        // Every such offset at once, and a spread of single cuts.
        assert_eq!(&reduce_cut(rec, &inside), whole, "{}: all splits", rec.name);
        let step = inside.len().div_ceil(40).max(1);
        for &at in inside.iter().step_by(step) {
            assert_eq!(
                &reduce_cut(rec, &[at]),
                whole,
                "{}: split at {at}",
                rec.name
            );
            checked += 1;
        }
    }
    assert!(
        checked > 100,
        "the fixtures hold plenty of multi-byte characters: {checked}"
    );
}
