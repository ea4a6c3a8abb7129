#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| compteur_fuzz::client_wrapper::run(data));
