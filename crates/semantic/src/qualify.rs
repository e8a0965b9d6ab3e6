//! Canonical qualified names: `asyncio.tasks.sleep` is `asyncio.sleep`.

/// asyncio submodules whose public names asyncio re-exports.
const ASYNCIO_SUBMODULES: &[&str] = &[
    "base_events",
    "coroutines",
    "events",
    "exceptions",
    "futures",
    "locks",
    "queues",
    "runners",
    "taskgroups",
    "tasks",
    "threads",
    "timeouts",
];

/// The canonical form of a qualified name: re-exported asyncio names lose their
/// submodule (`asyncio.locks.Lock` → `asyncio.Lock`).
pub fn normalize(qualified: &str) -> String {
    let mut parts = qualified.splitn(3, '.');
    if let (Some("asyncio"), Some(sub), Some(rest)) = (parts.next(), parts.next(), parts.next()) {
        if ASYNCIO_SUBMODULES.contains(&sub) {
            return format!("asyncio.{rest}");
        }
    }
    qualified.to_string()
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn submodules_fold_into_asyncio() {
        assert_eq!(normalize("asyncio.tasks.sleep"), "asyncio.sleep");
        assert_eq!(
            normalize("asyncio.exceptions.TimeoutError"),
            "asyncio.TimeoutError"
        );
        assert_eq!(
            normalize("asyncio.subprocess.PIPE"),
            "asyncio.subprocess.PIPE"
        );
        assert_eq!(normalize("asyncio.tasks"), "asyncio.tasks");
        assert_eq!(normalize("time.sleep"), "time.sleep");
    }
}
