//! Replay protection: invocation counters must increase.

#[cfg(feature = "alloc")]
use alloc::collections::BTreeMap;

/// A frame (invocation) counter that did not increase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("replayed or old invocation counter {received} (last accepted {last})")]
pub struct ReplayError {
    /// The last counter accepted from this sender.
    pub last: u32,
    /// The counter received.
    pub received: u32,
}

/// Replay protection for one sender: accepts only invocation counters strictly greater than
/// the last one accepted.
///
/// Call [`FrameCounterGuard::accept`] after the message has been decrypted *and
/// authenticated*; an unauthenticated message could carry a forged counter that would lock
/// out the genuine sender.
///
/// ```
/// use dlms::security::{FrameCounterGuard, ReplayError};
///
/// let mut guard = FrameCounterGuard::new();
/// guard.accept(707_712)?;
/// guard.accept(707_713)?;
/// assert_eq!(guard.accept(707_713), Err(ReplayError { last: 707_713, received: 707_713 }));
/// assert_eq!(guard.accept(5), Err(ReplayError { last: 707_713, received: 5 }));
/// assert_eq!(guard.last(), Some(707_713));
/// # Ok::<(), ReplayError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FrameCounterGuard {
    last: Option<u32>,
}

impl FrameCounterGuard {
    /// A guard that has seen nothing yet (accepts any first counter).
    pub const fn new() -> Self {
        Self { last: None }
    }

    /// A guard that resumes after `last` (e.g. a counter persisted across restarts).
    pub const fn with_last(last: u32) -> Self {
        Self { last: Some(last) }
    }

    /// The last accepted counter.
    pub const fn last(&self) -> Option<u32> {
        self.last
    }

    /// Checks `counter` without recording it.
    ///
    /// # Errors
    ///
    /// [`ReplayError`] when `counter` is not greater than the last accepted one.
    pub const fn check(&self, counter: u32) -> Result<(), ReplayError> {
        match self.last {
            Some(last) if counter <= last => Err(ReplayError {
                last,
                received: counter,
            }),
            _ => Ok(()),
        }
    }

    /// Checks `counter` and records it as the last accepted one.
    ///
    /// # Errors
    ///
    /// [`ReplayError`] when `counter` is not greater than the last accepted one (nothing is
    /// recorded then).
    pub fn accept(&mut self, counter: u32) -> Result<(), ReplayError> {
        self.check(counter)?;
        self.last = Some(counter);
        Ok(())
    }
}

/// Replay protection for several senders, keyed by system title.
///
/// Same contract as [`FrameCounterGuard`], one counter per system title. Only record counters
/// of authenticated messages: every new title costs a map entry.
///
/// ```
/// use dlms::security::{ReplayGuard, SystemTitle};
///
/// let a = SystemTitle::new(*b"LGZ\x67\x73\x5D\xD3\xA9");
/// let b = SystemTitle::new(*b"LGZ\x67\x73\x70\xB1\x77");
/// let mut guard = ReplayGuard::new();
/// guard.accept(a, 10)?;
/// guard.accept(b, 3)?; // another meter, its own counter
/// assert!(guard.accept(a, 9).is_err());
/// assert_eq!(guard.last(&a), Some(10));
/// # Ok::<(), dlms::security::ReplayError>(())
/// ```
#[cfg(feature = "alloc")]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplayGuard {
    last: BTreeMap<super::SystemTitle, u32>,
}

#[cfg(feature = "alloc")]
impl ReplayGuard {
    /// An empty guard.
    pub const fn new() -> Self {
        Self {
            last: BTreeMap::new(),
        }
    }

    /// The last accepted counter of `title`.
    pub fn last(&self, title: &super::SystemTitle) -> Option<u32> {
        self.last.get(title).copied()
    }

    /// Checks `counter` for `title` without recording it.
    ///
    /// # Errors
    ///
    /// [`ReplayError`] when `counter` is not greater than the last one accepted for `title`.
    pub fn check(&self, title: &super::SystemTitle, counter: u32) -> Result<(), ReplayError> {
        match self.last(title) {
            Some(last) => FrameCounterGuard::with_last(last).check(counter),
            None => Ok(()),
        }
    }

    /// Checks `counter` for `title` and records it.
    ///
    /// # Errors
    ///
    /// [`ReplayError`] when `counter` is not greater than the last one accepted for `title`.
    pub fn accept(&mut self, title: super::SystemTitle, counter: u32) -> Result<(), ReplayError> {
        self.check(&title, counter)?;
        self.last.insert(title, counter);
        Ok(())
    }

    /// Forgets `title` (e.g. after a meter's keys were changed and its counter reset).
    pub fn forget(&mut self, title: &super::SystemTitle) {
        self.last.remove(title);
    }

    /// Number of senders tracked.
    pub fn len(&self) -> usize {
        self.last.len()
    }

    /// Whether no sender is tracked.
    pub fn is_empty(&self) -> bool {
        self.last.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_guard() {
        let mut g = FrameCounterGuard::new();
        assert_eq!(g.last(), None);
        assert_eq!(g.check(0), Ok(()));
        g.accept(0).ok();
        assert_eq!(
            g.accept(0),
            Err(ReplayError {
                last: 0,
                received: 0
            })
        );
        assert_eq!(g.accept(u32::MAX), Ok(()));
        assert_eq!(
            g.accept(u32::MAX),
            Err(ReplayError {
                last: u32::MAX,
                received: u32::MAX
            })
        );
        let g = FrameCounterGuard::with_last(100);
        assert_eq!(
            g.check(100),
            Err(ReplayError {
                last: 100,
                received: 100
            })
        );
        assert_eq!(g.check(101), Ok(()));
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn multi_guard() {
        use super::super::SystemTitle;
        let a = SystemTitle::new([1; 8]);
        let b = SystemTitle::new([2; 8]);
        let mut g = ReplayGuard::new();
        assert!(g.is_empty());
        assert_eq!(g.accept(a, 5), Ok(()));
        assert_eq!(g.accept(b, 1), Ok(()));
        assert_eq!(
            g.accept(a, 4),
            Err(ReplayError {
                last: 5,
                received: 4
            })
        );
        assert_eq!(g.check(&b, 2), Ok(()));
        assert_eq!(g.len(), 2);
        g.forget(&a);
        assert_eq!(g.accept(a, 1), Ok(()));
    }
}
