//! The merge loop: one pre-token's bytes to token ids.
//!
//! The rule is tiktoken's `byte_pair_merge` and HF tokenizers' `merge_all`:
//! start from one symbol per byte and, while some adjacent pair has a merge,
//! merge the pair of lowest priority, the leftmost of equals. Short pieces
//! (almost all of them) use tiktoken's shape, a linear scan over a small
//! vector; long ones a heap with lazy invalidation (HF's shape), so a
//! megabyte-long piece costs `n log n`, not `n²`. A test checks both give
//! the same ids.

use rustc_hash::FxHashMap;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// No merge: the packed value of a pair that is not in the map.
pub(crate) const NO_MERGE: u64 = u64::MAX;

/// `(left id, right id)` → `priority << 32 | merged id`.
pub(crate) type PairMap = FxHashMap<u64, u64>;

#[inline(always)]
pub(crate) fn pair_key(a: u32, b: u32) -> u64 {
    ((a as u64) << 32) | b as u64
}

#[inline(always)]
pub(crate) fn pack(priority: u32, merged: u32) -> u64 {
    ((priority as u64) << 32) | merged as u64
}

/// Pieces of at most this many symbols use the linear scan.
const LINEAR_MAX: usize = 96;

/// Buffers the merge loop reuses.
#[derive(Debug, Default, Clone)]
pub(crate) struct MergeWork {
    syms: Vec<u32>,
    prio: Vec<u64>,
    prev: Vec<u32>,
    next: Vec<u32>,
    heap: BinaryHeap<Reverse<(u64, u32)>>,
}

#[inline(always)]
fn lookup(pairs: &PairMap, a: u32, b: u32, limit: u32) -> u64 {
    match pairs.get(&pair_key(a, b)) {
        Some(&v) if (v >> 32) < limit as u64 => v,
        _ => NO_MERGE,
    }
}

/// Merges the symbols `ids` (one per byte, usually) and appends the result
/// to `out`. Only merges of priority below `limit` are applied.
pub(crate) fn merge_into(
    pairs: &PairMap,
    ids: &[u32],
    limit: u32,
    work: &mut MergeWork,
    out: &mut Vec<u32>,
) {
    match ids.len() {
        0 => {}
        1 => out.push(ids[0]),
        n if n <= LINEAR_MAX => linear(pairs, ids, limit, work, out),
        _ => heap(pairs, ids, limit, work, out),
    }
}

fn linear(pairs: &PairMap, ids: &[u32], limit: u32, work: &mut MergeWork, out: &mut Vec<u32>) {
    let syms = &mut work.syms;
    let prio = &mut work.prio;
    syms.clear();
    syms.extend_from_slice(ids);
    prio.clear();
    prio.extend(ids.windows(2).map(|w| lookup(pairs, w[0], w[1], limit)));
    loop {
        // The lowest priority, leftmost of equals (priority is in the high
        // bits, so comparing packed values compares priorities first, and
        // one pair has one merged id).
        let mut best = NO_MERGE;
        let mut at = 0;
        for (i, &p) in prio.iter().enumerate() {
            if p < best {
                best = p;
                at = i;
            }
        }
        if best == NO_MERGE {
            break;
        }
        syms[at] = best as u32;
        syms.remove(at + 1);
        prio.remove(at);
        if at > 0 {
            prio[at - 1] = lookup(pairs, syms[at - 1], syms[at], limit);
        }
        if at < prio.len() {
            prio[at] = lookup(pairs, syms[at], syms[at + 1], limit);
        }
    }
    out.extend_from_slice(syms);
}

const NONE: u32 = u32::MAX;

fn heap(pairs: &PairMap, ids: &[u32], limit: u32, work: &mut MergeWork, out: &mut Vec<u32>) {
    let n = ids.len();
    let MergeWork {
        syms,
        prev,
        next,
        heap,
        ..
    } = work;
    syms.clear();
    syms.extend_from_slice(ids);
    prev.clear();
    prev.extend((0..n as u32).map(|i| i.wrapping_sub(1)));
    next.clear();
    next.extend((1..=n as u32).map(|i| if i as usize == n { NONE } else { i }));
    heap.clear();
    for i in 0..n - 1 {
        let v = lookup(pairs, syms[i], syms[i + 1], limit);
        if v != NO_MERGE {
            heap.push(Reverse((v, i as u32)));
        }
    }
    // `alive[i]`: symbol i has not been merged into its left neighbour;
    // a removed symbol gets `NONE` in `prev` as its mark.
    while let Some(Reverse((v, pos))) = heap.pop() {
        let i = pos as usize;
        if prev[i] == NONE - 1 {
            continue; // merged away
        }
        let j = next[i];
        if j == NONE {
            continue;
        }
        let j = j as usize;
        // A stale entry: the pair at `i` is no longer the one queued.
        if lookup(pairs, syms[i], syms[j], limit) != v {
            continue;
        }
        syms[i] = v as u32;
        let k = next[j];
        next[i] = k;
        if k != NONE {
            prev[k as usize] = i as u32;
        }
        prev[j] = NONE - 1;
        let p = prev[i];
        if p != NONE {
            let w = lookup(pairs, syms[p as usize], syms[i], limit);
            if w != NO_MERGE {
                heap.push(Reverse((w, p)));
            }
        }
        if k != NONE {
            let w = lookup(pairs, syms[i], syms[k as usize], limit);
            if w != NO_MERGE {
                heap.push(Reverse((w, i as u32)));
            }
        }
    }
    let mut i = 0u32;
    while i != NONE {
        out.push(syms[i as usize]);
        i = next[i as usize];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A small alphabet 0..4 and merges over it, priorities in order.
    fn toy(merges: &[(u32, u32)]) -> PairMap {
        let mut m = PairMap::default();
        for (i, &(a, b)) in merges.iter().enumerate() {
            m.entry(pair_key(a, b))
                .or_insert(pack(i as u32, 4 + i as u32));
        }
        m
    }

    #[test]
    fn lowest_priority_first_leftmost_of_equals() {
        // 0 0 -> 4 (prio 0); 4 0 -> 5 (prio 1)
        let pairs = toy(&[(0, 0), (4, 0)]);
        let mut w = MergeWork::default();
        let mut out = Vec::new();
        merge_into(&pairs, &[0, 0, 0], u32::MAX, &mut w, &mut out);
        assert_eq!(out, [5]);
        out.clear();
        merge_into(&pairs, &[0, 0, 0, 0], u32::MAX, &mut w, &mut out);
        assert_eq!(out, [4, 4]);
        out.clear();
        merge_into(&pairs, &[0, 0, 0], 1, &mut w, &mut out);
        assert_eq!(out, [4, 0]);
    }

    proptest! {
        #[test]
        fn the_heap_and_the_scan_agree(
            merges in prop::collection::vec((0u32..12, 0u32..12), 0..30),
            ids in prop::collection::vec(0u32..4, 0..200),
        ) {
            let pairs = toy(&merges);
            let mut w = MergeWork::default();
            let (mut a, mut b) = (Vec::new(), Vec::new());
            linear(&pairs, &ids, u32::MAX, &mut w, &mut a);
            if ids.len() >= 2 {
                heap(&pairs, &ids, u32::MAX, &mut w, &mut b);
            } else {
                b.extend_from_slice(&ids);
            }
            prop_assert_eq!(a, b);
        }
    }
}
