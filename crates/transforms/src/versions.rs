//! Which anyio a migrated text needs: the release that introduced the
//! newest anyio API it calls, so a dependency floor can be no higher.

/// anyio APIs the transforms write that arrived after 4.0, with the release
/// that introduced each (spelled as the output spells them).
const SINCE: &[(&str, (u32, u32))] = &[
    ("abandon_on_cancel=", (4, 1)),
    ("anyio.TaskHandle", (4, 14)),
    ("anyio.gather(", (4, 15)),
    ("anyio.amap(", (4, 15)),
    ("anyio.as_completed(", (4, 15)),
    ("anyio.Future", (4, 15)),
    ("anyio.fail_at(", (4, 15)),
    ("anyio.move_on_at(", (4, 15)),
];

/// The lowest anyio that runs `text`: 4.0 (the output's exception groups and
/// idioms), or the release of the newest API it uses. A task group's
/// `create_task` (a handle, 4.14) counts where the text opens task groups.
pub fn anyio_needed(text: &str) -> (u32, u32) {
    let mut need = (4, 0);
    for (api, since) in SINCE {
        if *since > need && text.contains(api) {
            need = *since;
        }
    }
    if need < (4, 14) && text.contains("create_task_group()") && text.contains(".create_task(") {
        need = (4, 14);
    }
    need
}

#[cfg(test)]
mod tests {
    use super::anyio_needed;

    #[test]
    fn the_newest_api_sets_the_floor() {
        assert_eq!(anyio_needed("import anyio\nawait anyio.sleep(1)\n"), (4, 0));
        assert_eq!(
            anyio_needed("await anyio.to_thread.run_sync(f, abandon_on_cancel=True)"),
            (4, 1)
        );
        let handles = "async with anyio.create_task_group() as tg:\n    t = tg.create_task(f())\n";
        assert_eq!(anyio_needed(handles), (4, 14));
        assert_eq!(
            anyio_needed("rs = await anyio.amap(f, us)\nt = tg.create_task(x)"),
            (4, 15)
        );
    }
}
