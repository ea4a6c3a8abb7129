//! DLMS security: security suite 0 (AES-128-GCM), keys and authentication mechanisms.
//!
//! Nothing is implemented yet.
