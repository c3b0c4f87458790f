//! Property tests of the frame layer: round trips, bit flips, garbage.

use proptest::prelude::*;
use weir_runtime::frame::{FrameDecoder, FrameKind, encode};
use weir_runtime::{FromWorker, StreamName, ToWorker};

fn decode_one(bytes: &[u8]) -> Result<Option<Vec<u8>>, weir_runtime::FrameError> {
    let mut d = FrameDecoder::new();
    d.push(bytes);
    let frame = d.next_frame()?;
    d.finish()?;
    Ok(frame.map(|f| f.payload))
}

fn to_worker() -> impl Strategy<Value = ToWorker> {
    prop_oneof![
        (
            ".*",
            ".*",
            ".*",
            proptest::option::of(".*"),
            proptest::collection::vec(".*", 0..3)
        )
            .prop_map(
                |(cell_id, name, code, filename_hint, delete)| ToWorker::Run {
                    cell_id,
                    name,
                    code,
                    filename_hint,
                    delete,
                }
            ),
        proptest::collection::vec(".*", 0..5).prop_map(|names| ToWorker::Delete {
            names,
            cells: Vec::new()
        }),
        Just(ToWorker::Shutdown),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_message_round_trips(msg in to_worker(), seq in any::<u32>()) {
        let payload = msg.encode();
        let bytes = encode(FrameKind::Json, seq, &payload).unwrap();
        // A fresh decoder expects seq 0, so the payload path is checked
        // with seq 0 and the header's seq field with the arbitrary `seq`.
        let zero = encode(FrameKind::Json, 0, &payload).unwrap();
        let got = decode_one(&zero).unwrap().unwrap();
        let back: ToWorker = serde_json::from_slice(&got).unwrap();
        prop_assert_eq!(back, msg);
        prop_assert_eq!(u32::from_le_bytes(bytes[8..12].try_into().unwrap()), seq);
    }

    #[test]
    fn stream_messages_round_trip(
        text in ".*",
        cell in proptest::option::of("[a-z0-9]{1,8}"),
        hash in proptest::option::of("[0-9a-f]{64}"),
    ) {
        let msg = FromWorker::Stream {
            cell_id: cell,
            name: StreamName::Stdout,
            source: weir_runtime::StreamSource::Python,
            text,
            hash,
        };
        let payload = serde_json::to_vec(&msg).unwrap();
        let bytes = encode(FrameKind::Json, 0, &payload).unwrap();
        let got = decode_one(&bytes).unwrap().unwrap();
        prop_assert_eq!(FromWorker::decode(&got).unwrap(), msg);
    }

    #[test]
    fn every_single_bit_flip_is_detected(
        payload in proptest::collection::vec(any::<u8>(), 0..200),
        bit in any::<prop::sample::Index>(),
    ) {
        let bytes = encode(FrameKind::Json, 0, &payload).unwrap();
        let i = bit.index(bytes.len() * 8);
        let mut bad = bytes.clone();
        bad[i / 8] ^= 1 << (i % 8);
        // Whole stream at once, and byte by byte: never a frame, always an error.
        prop_assert!(decode_one(&bad).is_err(), "flip of bit {} decoded", i);
        let mut d = FrameDecoder::new();
        let mut saw_error = false;
        for b in &bad {
            d.push(&[*b]);
            match d.next_frame() {
                Ok(None) => {}
                Ok(Some(_)) => prop_assert!(false, "flip of bit {} decoded", i),
                Err(_) => { saw_error = true; break; }
            }
        }
        prop_assert!(saw_error || d.finish().is_err());
    }

    #[test]
    fn every_bit_of_a_small_frame(payload in proptest::collection::vec(any::<u8>(), 0..16)) {
        let bytes = encode(FrameKind::Json, 0, &payload).unwrap();
        for i in 0..bytes.len() * 8 {
            let mut bad = bytes.clone();
            bad[i / 8] ^= 1 << (i % 8);
            prop_assert!(decode_one(&bad).is_err(), "flip of bit {} decoded", i);
        }
    }

    #[test]
    fn garbage_never_panics(chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 0..8)) {
        let mut d = FrameDecoder::new();
        for c in &chunks {
            d.push(c);
            let _ = d.next_frame();
        }
        let _ = d.finish();
    }

    #[test]
    fn garbage_after_a_valid_header_prefix_never_panics(tail in proptest::collection::vec(any::<u8>(), 0..64)) {
        let mut bytes = b"WEIR".to_vec();
        bytes.extend(tail);
        let mut d = FrameDecoder::new();
        d.push(&bytes);
        let _ = d.next_frame();
        let _ = d.finish();
    }

    #[test]
    fn frame_sequences_decode_in_order(payloads in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..50), 0..10), split in 1usize..97) {
        let mut stream = Vec::new();
        for (i, p) in payloads.iter().enumerate() {
            stream.extend(encode(FrameKind::Json, i as u32, p).unwrap());
        }
        let mut d = FrameDecoder::new();
        let mut got = Vec::new();
        for chunk in stream.chunks(split) {
            d.push(chunk);
            while let Some(f) = d.next_frame().unwrap() {
                got.push(f.payload);
            }
        }
        d.finish().unwrap();
        prop_assert_eq!(got, payloads);
    }
}
