//! The core's [`Host`] over real Nix values, through the shim's per-call `Ctx`.

use std::pin::Pin;

use nix_instances_core::error::Foreign;
use nix_instances_core::{Host, Kind};

use crate::ffi::bridge::{self, Ctx};

/// Handle the shim returns for an absent attribute.
const ABSENT: u32 = u32::MAX;

/// Units of work (see [`Host::check_interrupt`]) between two looks at Nix's interrupt flag:
/// a look is cheap, but a call through the bridge; thousands of units take well under a
/// millisecond.
const INTERRUPT_EVERY: usize = 4096;

pub struct NixHost<'a> {
    ctx: Pin<&'a mut Ctx>,
    /// Work done since Nix's interrupt flag was last looked at.
    work: usize,
}

impl<'a> NixHost<'a> {
    pub fn new(ctx: Pin<&'a mut Ctx>) -> Self {
        NixHost { ctx, work: 0 }
    }
}

fn foreign(e: cxx::Exception) -> Foreign {
    Foreign(e.what().to_string())
}

impl Host for NixHost<'_> {
    type Value = u32;
    type Name = u32;

    fn kind(&mut self, v: &u32) -> Result<Kind, Foreign> {
        let k = self.ctx.as_mut().force_kind(*v).map_err(foreign)?;
        Ok(match k {
            bridge::Kind::Null => Kind::Null,
            bridge::Kind::Bool => Kind::Bool,
            bridge::Kind::Int => Kind::Int,
            bridge::Kind::Float => Kind::Float,
            bridge::Kind::String => Kind::String,
            bridge::Kind::Path => Kind::Path,
            bridge::Kind::Attrs => Kind::Attrs,
            bridge::Kind::List => Kind::List,
            bridge::Kind::Function => Kind::Function,
            _ => Kind::External,
        })
    }

    fn attrs(&mut self, v: &u32) -> Result<Vec<(Vec<u8>, u32, u32)>, Foreign> {
        let attrs = self.ctx.as_mut().attrs(*v).map_err(foreign)?;
        Ok(attrs.into_iter().map(|a| (a.name.to_vec(), a.symbol, a.value)).collect())
    }

    fn attr(&mut self, v: &u32, name: &[u8]) -> Result<Option<u32>, Foreign> {
        let a = self.ctx.as_mut().attr(*v, name).map_err(foreign)?;
        Ok((a != ABSENT).then_some(a))
    }

    fn items(&mut self, v: &u32) -> Result<Vec<u32>, Foreign> {
        self.ctx.as_mut().items(*v).map_err(foreign)
    }

    fn string(&mut self, v: &u32) -> Result<Vec<u8>, Foreign> {
        self.ctx.string(*v).map(<[u8]>::to_vec).map_err(foreign)
    }

    fn int(&mut self, v: &u32) -> Result<i64, Foreign> {
        self.ctx.integer(*v).map_err(foreign)
    }

    fn bool(&mut self, v: &u32) -> Result<bool, Foreign> {
        self.ctx.boolean(*v).map_err(foreign)
    }

    fn has_context(&mut self, v: &u32) -> Result<bool, Foreign> {
        self.ctx.has_context(*v).map_err(foreign)
    }

    fn make_string_with_context(&mut self, s: &[u8], context_of: &u32) -> Result<u32, Foreign> {
        self.ctx.as_mut().make_string_with_context(s, *context_of).map_err(foreign)
    }

    fn check_interrupt(&mut self, work: usize) -> Result<(), Foreign> {
        self.work = self.work.saturating_add(work);
        if self.work < INTERRUPT_EVERY {
            return Ok(());
        }
        self.work = 0;
        self.ctx.check_interrupt().map_err(foreign)
    }

    fn make_null(&mut self) -> Result<u32, Foreign> {
        self.ctx.as_mut().make_null().map_err(foreign)
    }

    fn make_bool(&mut self, b: bool) -> Result<u32, Foreign> {
        self.ctx.as_mut().make_bool(b).map_err(foreign)
    }

    fn make_int(&mut self, i: i64) -> Result<u32, Foreign> {
        self.ctx.as_mut().make_int(i).map_err(foreign)
    }

    fn make_string(&mut self, s: &[u8]) -> Result<u32, Foreign> {
        self.ctx.as_mut().make_string(s).map_err(foreign)
    }

    fn make_list(&mut self, items: &[u32]) -> Result<u32, Foreign> {
        self.ctx.as_mut().make_list(items).map_err(foreign)
    }

    fn name(&mut self, name: &[u8]) -> Result<u32, Foreign> {
        self.ctx.as_mut().symbol(name).map_err(foreign)
    }

    fn make_attrs(&mut self, names: &[u32], values: &[u32]) -> Result<u32, Foreign> {
        self.ctx.as_mut().make_attrs(names, values).map_err(foreign)
    }

    fn warn(&mut self, message: &str) {
        self.ctx.warn(&nix_instances_core::text::to_bytes(message));
    }
}
