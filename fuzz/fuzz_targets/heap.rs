#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| goroscope_fuzz::heap::check(data));
