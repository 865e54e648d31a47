//! Scaffold: browser tests of these pages are being written.

use crate::support::TestCase;

pub fn cases() -> Vec<TestCase> {
    Vec::new()
}
