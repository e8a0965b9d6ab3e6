//! Work on worker threads, results consumed in the order of the work.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Condvar, Mutex};

/// Calls `work` on every item on `threads` worker threads, and `consume`
/// on the results, in the items' order, on the calling thread: each as
/// soon as it and all before it are done. The workers take the items one
/// by one from a shared counter (a slow file never holds the others up
/// behind a batch boundary) and stay at most `window` items ahead of
/// `consume`, so memory stays bounded whatever the number of items (and a
/// consumer that waits pauses them). An error
/// from `consume` stops the run; the workers finish the item they hold.
pub fn map_in_order<T: Sync, R: Send, E>(
    items: &[T],
    threads: usize,
    window: usize,
    work: impl Fn(&T) -> R + Sync,
    mut consume: impl FnMut(R) -> Result<(), E>,
) -> Result<(), E> {
    let next = AtomicUsize::new(0);
    // How many results were consumed, and whether the run stopped.
    let gate = (Mutex::new((0usize, false)), Condvar::new());
    let window = window.max(1);
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel::<(usize, R)>();
        for _ in 0..threads.max(1) {
            let tx = tx.clone();
            let (next, gate, work) = (&next, &gate, &work);
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let mut state = gate.0.lock().expect("no worker panics holding the gate");
                while i >= state.0 + window && !state.1 {
                    state = gate
                        .1
                        .wait(state)
                        .expect("no worker panics holding the gate");
                }
                if state.1 {
                    break;
                }
                drop(state);
                if tx.send((i, work(item))).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        let stop = || {
            gate.0.lock().expect("no worker panics holding the gate").1 = true;
            gate.1.notify_all();
        };
        let mut pending = BTreeMap::new();
        let mut wanted = 0;
        for (i, result) in rx {
            pending.insert(i, result);
            while let Some(result) = pending.remove(&wanted) {
                if let Err(e) = consume(result) {
                    stop();
                    return Err(e);
                }
                wanted += 1;
                gate.0.lock().expect("no worker panics holding the gate").0 = wanted;
                gate.1.notify_all();
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::map_in_order;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn results_come_in_order_whatever_the_work_takes() {
        let items: Vec<u64> = (0..500).collect();
        let mut seen = Vec::new();
        map_in_order(
            &items,
            4,
            8,
            // Early items take longest: later ones finish first.
            |&i| {
                std::thread::sleep(std::time::Duration::from_micros((500 - i) % 7 * 50));
                i * 2
            },
            |r| {
                seen.push(r);
                Ok::<(), ()>(())
            },
        )
        .unwrap();
        assert_eq!(seen, items.iter().map(|i| i * 2).collect::<Vec<_>>());
    }

    #[test]
    fn workers_stay_within_the_window_and_stop_on_an_error() {
        let items: Vec<usize> = (0..1000).collect();
        let started = AtomicUsize::new(0);
        let mut consumed = 0;
        let result = map_in_order(
            &items,
            3,
            10,
            |&i| {
                started.fetch_add(1, Ordering::SeqCst);
                i
            },
            |i| {
                // The consumer is slow: the workers must wait for it.
                std::thread::sleep(std::time::Duration::from_micros(200));
                let ahead = started.load(Ordering::SeqCst) - consumed;
                assert!(
                    ahead <= 10 + 3,
                    "{ahead} items started ahead of the consumer"
                );
                consumed += 1;
                if i == 100 {
                    Err("stop")
                } else {
                    Ok(())
                }
            },
        );
        assert_eq!(result, Err("stop"));
        assert!(started.load(Ordering::SeqCst) < 120);
    }
}
