//! The feed cursor a device sends back with every pull: opaque to it, so any text can arrive.

use carnet_sync_server::feed;

/// The feed epoch the target's server is at; the seeds' cursors are of this epoch.
pub const EPOCH: &str = "5eed0f0e1d2c3b4a";

/// Decodes the text as the server decodes a pull's `cursor` ([`feed::decode_cursor`]). An
/// accepted cursor points at a seq of 0 or more, and the cursor the server writes for that seq
/// decodes to it.
pub fn feed_cursor(data: &[u8]) {
    // The query string is decoded to a string before the cursor is read.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(seq) = feed::decode_cursor(text, EPOCH) {
        assert!(seq >= 0, "a cursor points at a seq of 0 or more");
        let again = feed::decode_cursor(&feed::encode_cursor(EPOCH, seq), EPOCH);
        assert_eq!(again.ok(), Some(seq));
    }
}
