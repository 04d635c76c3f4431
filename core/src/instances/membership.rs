//! Who carries which tag, and who is a member of which role.

use std::collections::BTreeMap;

use super::{Class, Inventory, Role};
use crate::error::{with_capacity, Result};
use crate::read::Name;

/// The tags computed from the machines when the `tags` argument does not give them.
const COMPUTED_TAGS: [&[u8]; 3] = [b"all", b"darwin", b"nixos"];

/// Effective membership of every tag: sorted, unique machine indices. Unknown machines named
/// in the `tags` argument are left out.
pub(super) fn tag_members<V>(inv: &Inventory<V>) -> BTreeMap<Name, Vec<usize>> {
    let mut tags: BTreeMap<Name, Vec<usize>> = BTreeMap::new();
    for (i, m) in inv.machines.iter().enumerate() {
        for t in &m.own_tags {
            tags.entry(t.clone()).or_default().push(i);
        }
    }
    for t in &inv.static_tags {
        tags.entry(t.name.clone()).or_default().extend(t.machines.iter().filter_map(|m| m.1));
    }
    for computed in COMPUTED_TAGS {
        if inv.static_tags.iter().any(|t| t.name == computed) {
            continue;
        }
        let entry = tags.entry(computed.to_vec()).or_default();
        for (i, m) in inv.machines.iter().enumerate() {
            let carries = match computed {
                b"all" => true,
                b"nixos" => m.class == Class::Nixos,
                _ => m.class == Class::Darwin,
            };
            if carries {
                entry.push(i);
            }
        }
    }
    for ms in tags.values_mut() {
        ms.sort_unstable();
        ms.dedup();
    }
    tags
}

/// One machine's place in one role: where its settings imports come from. Members with the
/// same sources share one output value.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(super) struct Member {
    /// Index into the role's `machines` when the machine is listed with `settings`.
    pub explicit: Option<u32>,
    /// The role's tags (by index, tag-name order) the machine carries: the first 64 as bits,
    /// any further ones listed.
    pub tags: u64,
    pub more_tags: Vec<u32>,
}

impl Member {
    fn add_tag(&mut self, k: u32) {
        if k < 64 {
            self.tags |= 1 << k;
        } else {
            self.more_tags.push(k);
        }
    }

    /// The carried tags' indices, ascending.
    pub fn tag_indices(&self) -> impl Iterator<Item = u32> + '_ {
        (0..64u32).filter(|k| self.tags & (1 << k) != 0).chain(self.more_tags.iter().copied())
    }
}

/// The members of one role, by machine index, ascending.
pub(super) type Members = Vec<(usize, Member)>;

/// Scratch space for [`role_members`], reused across roles: one slot and one bit per machine.
pub(super) struct Scratch {
    slots: Vec<u32>,
    marks: Vec<u64>,
}

impl Scratch {
    pub fn new(machines: usize) -> Scratch {
        Scratch { slots: vec![u32::MAX; machines], marks: vec![0; machines.div_ceil(64)] }
    }
}

/// The members of a role: its explicit machines (unknown ones left out) and every machine
/// carrying one of its tags. Linear in the role's size, whatever the number of machines. The
/// tables are reserved fallibly: [`crate::error::Error::OutOfMemory`] rather than an abort.
pub(super) fn role_members<V>(
    role: &Role<V>,
    tag_members: &BTreeMap<Name, Vec<usize>>,
    scratch: &mut Scratch,
) -> Result<Members> {
    let Scratch { slots, marks } = scratch;
    // at most every machine once: room for all of them, or for the explicit ones and tag
    // members, whichever is fewer
    let bound = role.machines.len()
        + role.tags.iter().map(|(t, _)| tag_members.get(t).map_or(0, Vec::len)).sum::<usize>();
    let mut members: Members = with_capacity(bound.min(slots.len()))?;
    let mut slot_of = |m: usize, members: &mut Members| -> usize {
        if slots[m] == u32::MAX {
            slots[m] = members.len() as u32;
            marks[m / 64] |= 1 << (m % 64);
            members.push((m, Member { explicit: None, tags: 0, more_tags: Vec::new() }));
        }
        slots[m] as usize
    };
    for (k, e) in role.machines.iter().enumerate() {
        let Some(m) = e.machine.1 else { continue };
        let i = slot_of(m, &mut members);
        members[i].1.explicit = e.settings.as_ref().map(|_| k as u32);
    }
    for (k, (tag, _)) in role.tags.iter().enumerate() {
        for &m in tag_members.get(tag).map(Vec::as_slice).unwrap_or_default() {
            let i = slot_of(m, &mut members);
            members[i].1.add_tag(k as u32);
        }
    }
    // machine order, read off the marks; the scratch space is left clean
    let mut sorted = with_capacity(members.len())?;
    let mut slots_taken: Vec<Option<(usize, Member)>> = members.into_iter().map(Some).collect();
    for (w, word) in marks.iter_mut().enumerate() {
        let mut bits = std::mem::take(word);
        while bits != 0 {
            let m = w * 64 + bits.trailing_zeros() as usize;
            bits &= bits - 1;
            sorted.push(slots_taken[slots[m] as usize].take().expect("each machine once"));
            slots[m] = u32::MAX;
        }
    }
    Ok(sorted)
}
