//! Which fixes to keep: the largest set, in order, that the command accepts.

use anyhow::Result;

/// What a rejected trial broke (test ids, or what the command did).
pub type Broken = Vec<String>;

/// The units kept, and each unit left out with what it broke.
#[derive(Debug, PartialEq, Eq)]
pub struct Kept<U> {
    pub kept: Vec<U>,
    pub culprits: Vec<(U, Broken)>,
}

/// Keeps as many of `units` as `rejects` accepts on top of `base` (which it
/// accepts alone), walking them in order: while `base + kept + rest` is
/// rejected, the shortest rejected prefix of `rest` is found by bisection;
/// its last unit is a culprit (the prefix without it was accepted), the rest
/// of the prefix is kept, and the search goes on after it. One culprit costs
/// about log2(len) trials; a unit that breaks only together with an earlier
/// one is the one left out. `rejects` returns what a trial broke, or `None`.
pub fn keep_largest<U: Clone>(
    base: &[U],
    units: &[U],
    mut rejects: impl FnMut(&[U]) -> Result<Option<Broken>>,
) -> Result<Kept<U>> {
    let mut kept: Vec<U> = base.to_vec();
    let mut culprits = Vec::new();
    let mut rest: &[U] = units;
    let with = |kept: &[U], part: &[U]| -> Vec<U> { kept.iter().chain(part).cloned().collect() };
    while !rest.is_empty() {
        let Some(mut broken) = rejects(&with(&kept, rest))? else {
            kept.extend_from_slice(rest);
            break;
        };
        // kept + rest[..lo] is accepted, kept + rest[..hi] rejected.
        let (mut lo, mut hi) = (0, rest.len());
        while hi - lo > 1 {
            let mid = (lo + hi) / 2;
            match rejects(&with(&kept, &rest[..mid]))? {
                Some(b) => {
                    hi = mid;
                    broken = b;
                }
                None => lo = mid,
            }
        }
        kept.extend_from_slice(&rest[..lo]);
        culprits.push((rest[hi - 1].clone(), broken));
        rest = &rest[hi..];
    }
    kept.drain(..base.len());
    Ok(Kept { kept, culprits })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rejects any trial holding one of `bad`, or all of one of `pairs`.
    fn oracle<'a>(
        bad: &'a [u32],
        pairs: &'a [(u32, u32)],
        trials: &'a mut usize,
    ) -> impl FnMut(&[u32]) -> Result<Option<Broken>> + 'a {
        move |set: &[u32]| {
            *trials += 1;
            let hit = set.iter().find(|u| bad.contains(u)).copied().or_else(|| {
                pairs
                    .iter()
                    .find(|(a, b)| set.contains(a) && set.contains(b))
                    .map(|p| p.1)
            });
            Ok(hit.map(|u| vec![format!("test_{u}")]))
        }
    }

    #[test]
    fn everything_accepted_costs_one_trial() {
        let mut trials = 0;
        let k = keep_largest(&[], &[1, 2, 3], oracle(&[], &[], &mut trials)).unwrap();
        assert_eq!(k.kept, vec![1, 2, 3]);
        assert!(k.culprits.is_empty());
        assert_eq!(trials, 1);
    }

    #[test]
    fn one_culprit_among_many_is_found_by_bisection() {
        let units: Vec<u32> = (0..16).collect();
        let mut trials = 0;
        let k = keep_largest(&[], &units, oracle(&[11], &[], &mut trials)).unwrap();
        assert_eq!(k.culprits, vec![(11, vec!["test_11".to_string()])]);
        assert_eq!(
            k.kept,
            units
                .iter()
                .copied()
                .filter(|u| *u != 11)
                .collect::<Vec<_>>()
        );
        // 1 full trial, 4 bisection steps, 1 trial of what follows it.
        assert_eq!(trials, 6);
    }

    #[test]
    fn several_culprits_are_all_left_out() {
        let mut trials = 0;
        let k = keep_largest(
            &[],
            &[1, 2, 3, 4, 5, 6],
            oracle(&[1, 4, 6], &[], &mut trials),
        )
        .unwrap();
        let culprits: Vec<u32> = k.culprits.iter().map(|c| c.0).collect();
        assert_eq!(culprits, vec![1, 4, 6]);
        assert_eq!(k.kept, vec![2, 3, 5]);
    }

    #[test]
    fn of_two_units_that_break_together_the_later_one_goes() {
        let mut trials = 0;
        let k = keep_largest(&[], &[1, 2, 3, 4], oracle(&[], &[(2, 4)], &mut trials)).unwrap();
        assert_eq!(k.kept, vec![1, 2, 3]);
        assert_eq!(k.culprits, vec![(4, vec!["test_4".to_string()])]);
    }

    #[test]
    fn the_base_takes_part_in_every_trial_and_is_not_returned() {
        // 9 in the base breaks together with 3.
        let mut trials = 0;
        let k = keep_largest(&[9], &[1, 2, 3], oracle(&[], &[(9, 3)], &mut trials)).unwrap();
        assert_eq!(k.kept, vec![1, 2]);
        assert_eq!(k.culprits.len(), 1);
    }

    #[test]
    fn an_error_of_the_oracle_stops_the_search() {
        let r = keep_largest(&[], &[1, 2], |_: &[u32]| -> Result<Option<Broken>> {
            anyhow::bail!("interrupted")
        });
        assert!(r.is_err());
    }
}
