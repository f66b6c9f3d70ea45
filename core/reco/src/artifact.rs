//! The model as shipped through sync: a compact little-endian binary with a magic, a format
//! version, the payload length and an FNV-1a checksum, then the tables. Similarities and
//! popularities are quantised to 16 bits; product indices take 16 bits when they fit.

use chrono::NaiveDate;

use crate::basket::{Interner, date_of_day, day_number};
use crate::bgnbd::MbgNbd;
use crate::engine::EngineParams;
use crate::itemknn::Neighbours;
use crate::model::{Cadence, Model, VisitModel};
use crate::repeats::RepeatStats;
use crate::spend::GammaGamma;

/// The magic bytes every artifact starts with.
pub const MAGIC: &[u8; 8] = b"CARNETRM";
/// The artifact format this code writes and reads.
pub const ARTIFACT_VERSION: u32 = 2;
const HEADER_LEN: usize = 8 + 4 + 8 + 8;

/// Why bytes are not a model this code can use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArtifactError {
    /// Not a Carnet model at all.
    #[error("not a Carnet model (bad magic)")]
    BadMagic,
    /// A model of another format version.
    #[error("model format version {found}, this build reads version {supported}")]
    UnsupportedVersion {
        /// Version in the header.
        found: u32,
        /// Version this code reads.
        supported: u32,
    },
    /// Shorter than its header says (an interrupted download).
    #[error("model truncated: {needed} bytes expected, {available} present")]
    Truncated {
        /// Bytes the header announces (or the header itself).
        needed: u64,
        /// Bytes present.
        available: u64,
    },
    /// The payload does not match its checksum.
    #[error("model corrupt: checksum mismatch")]
    Corrupt,
    /// The checksum matches but the tables are inconsistent (a writer bug).
    #[error("model invalid: {0}")]
    Invalid(&'static str),
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn quantise(x: f32) -> u16 {
    (x.clamp(0.0, 1.0) * 65535.0).round() as u16
}

fn dequantise(q: u16) -> f32 {
    f32::from(q) / 65535.0
}

#[derive(Default)]
struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i32(&mut self, v: i32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn f32(&mut self, v: f32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn f64(&mut self, v: f64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn len(&mut self, n: usize) {
        self.u32(n as u32);
    }
    fn str(&mut self, s: &str) {
        let b = s.as_bytes();
        let n = b.len().min(u16::MAX as usize);
        self.u16(n as u16);
        self.0.extend_from_slice(&b[..n]);
    }
    fn strings(&mut self, v: &[String]) {
        self.len(v.len());
        for s in v {
            self.str(s);
        }
    }
    fn index(&mut self, wide: bool, i: u32) {
        if wide {
            self.u32(i)
        } else {
            self.u16(i as u16)
        }
    }
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

type R<T> = Result<T, ArtifactError>;

impl Reader<'_> {
    fn take(&mut self, n: usize) -> R<&[u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        let end = end.ok_or(ArtifactError::Invalid("a table runs past the payload"))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn arr<const N: usize>(&mut self) -> R<[u8; N]> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
    fn u8(&mut self) -> R<u8> {
        Ok(self.arr::<1>()?[0])
    }
    fn u16(&mut self) -> R<u16> {
        Ok(u16::from_le_bytes(self.arr()?))
    }
    fn u32(&mut self) -> R<u32> {
        Ok(u32::from_le_bytes(self.arr()?))
    }
    fn i32(&mut self) -> R<i32> {
        Ok(i32::from_le_bytes(self.arr()?))
    }
    fn f32(&mut self) -> R<f32> {
        Ok(f32::from_le_bytes(self.arr()?))
    }
    fn f64(&mut self) -> R<f64> {
        Ok(f64::from_le_bytes(self.arr()?))
    }
    /// A count, checked against the bytes left (each element takes at least `min_size`).
    fn len(&mut self, min_size: usize) -> R<usize> {
        let n = self.u32()? as usize;
        if n.saturating_mul(min_size) > self.buf.len() - self.pos {
            return Err(ArtifactError::Invalid("a count exceeds the payload"));
        }
        Ok(n)
    }
    fn str(&mut self) -> R<String> {
        let n = self.u16()? as usize;
        String::from_utf8(self.take(n)?.to_vec())
            .map_err(|_| ArtifactError::Invalid("a string is not UTF-8"))
    }
    fn strings(&mut self) -> R<Vec<String>> {
        let n = self.len(2)?;
        (0..n).map(|_| self.str()).collect()
    }
    fn index(&mut self, wide: bool) -> R<u32> {
        if wide {
            self.u32()
        } else {
            Ok(u32::from(self.u16()?))
        }
    }
}

impl Model {
    /// Serialises the model (header + payload).
    pub fn to_bytes(&self) -> Vec<u8> {
        let n = self.products.len();
        let wide = n > usize::from(u16::MAX);
        let mut w = Writer::default();
        w.i32(day_number(self.built_on));
        w.strings(self.products.ids());
        w.strings(&self.brands);
        w.strings(&self.categories);
        for i in 0..n {
            w.u32(self.product_brand[i]);
            w.u32(self.product_category[i]);
        }
        w.len(self.category_sensitive.len());
        for &s in &self.category_sensitive {
            w.u8(u8::from(s));
        }
        w.len(self.neighbours.item_count());
        for i in 0..self.neighbours.item_count() {
            let (items, sims) = self.neighbours.of(i as u32);
            w.u16(items.len().min(usize::from(u16::MAX)) as u16);
            for (&j, &s) in items.iter().zip(sims).take(usize::from(u16::MAX)) {
                w.index(wide, j);
                w.u16(quantise(s));
            }
        }
        w.len(self.popularity.len());
        for &p in &self.popularity {
            w.u16(quantise(p));
        }
        w.len(self.popular.len());
        for &i in &self.popular {
            w.index(wide, i);
        }
        w.strings(&self.segments);
        w.len(self.segment_popular.len());
        for list in &self.segment_popular {
            w.len(list.len());
            for &(i, p) in list {
                w.index(wide, i);
                w.u16(quantise(p));
            }
        }
        w.len(self.cadence.len());
        for c in &self.cadence {
            w.f32(c.days);
            w.u32(c.observed);
            w.u8(u8::from(c.replenishable));
        }
        w.f32(self.prior_weight);
        let rep = &self.repeats;
        w.len(rep.rate.len());
        for (&r, &c) in rep.rate.iter().zip(&rep.cycle) {
            w.u16(quantise(r));
            w.f32(c);
        }
        w.f32(rep.default_cycle);
        for &l in &rep.lift {
            w.f32(l);
        }
        let timing = |w: &mut Writer, m: Option<&MbgNbd>| match m {
            Some(m) => {
                w.u8(1);
                for x in [m.r, m.alpha, m.a, m.b] {
                    w.f64(x);
                }
            }
            None => w.u8(0),
        };
        timing(&mut w, self.visits.as_ref().map(|v| &v.overall));
        if let Some(v) = &self.visits {
            w.len(v.segments.len());
            for m in &v.segments {
                timing(&mut w, m.as_ref());
            }
            w.f64(v.return_gap_p99_days);
            match v.spend {
                Some(g) => {
                    w.u8(1);
                    for x in [g.p, g.q, g.gamma] {
                        w.f64(x);
                    }
                }
                None => w.u8(0),
            }
        }
        let p = &self.params;
        for x in [
            p.repeat_half_life,
            p.repeat_weight,
            p.repeat_prior,
            p.due_weight,
            p.seed_half_life,
            p.neighbour_weight,
            p.popularity_weight,
            p.like_weight,
            p.dislike_damp,
        ] {
            w.f64(x);
        }
        w.u32(p.max_seeds as u32);
        w.u32(p.popular_candidates as u32);

        let payload = w.0;
        let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&ARTIFACT_VERSION.to_le_bytes());
        out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        out.extend_from_slice(&fnv1a(&payload).to_le_bytes());
        out.extend_from_slice(&payload);
        out
    }

    /// Reads a model written by [`Model::to_bytes`], checking magic, version, length and
    /// checksum before anything else, then every index.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ArtifactError> {
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return Err(if bytes.len() < MAGIC.len() && MAGIC.starts_with(bytes) {
                ArtifactError::Truncated {
                    needed: HEADER_LEN as u64,
                    available: bytes.len() as u64,
                }
            } else {
                ArtifactError::BadMagic
            });
        }
        if bytes.len() < HEADER_LEN {
            return Err(ArtifactError::Truncated {
                needed: HEADER_LEN as u64,
                available: bytes.len() as u64,
            });
        }
        let mut h = Reader {
            buf: &bytes[..HEADER_LEN],
            pos: MAGIC.len(),
        };
        let version = h.u32()?;
        if version != ARTIFACT_VERSION {
            return Err(ArtifactError::UnsupportedVersion {
                found: version,
                supported: ARTIFACT_VERSION,
            });
        }
        let len = h.arr::<8>().map(u64::from_le_bytes)?;
        let sum = h.arr::<8>().map(u64::from_le_bytes)?;
        let available = (bytes.len() - HEADER_LEN) as u64;
        if available < len {
            return Err(ArtifactError::Truncated {
                needed: HEADER_LEN as u64 + len,
                available: bytes.len() as u64,
            });
        }
        let payload = &bytes[HEADER_LEN..HEADER_LEN + len as usize];
        if fnv1a(payload) != sum || available != len {
            return Err(ArtifactError::Corrupt);
        }
        decode(payload)
    }
}

fn decode(payload: &[u8]) -> Result<Model, ArtifactError> {
    let bad = ArtifactError::Invalid;
    let mut r = Reader {
        buf: payload,
        pos: 0,
    };
    let built_on: NaiveDate = date_of_day(r.i32()?);
    let ids = r.strings()?;
    let n = ids.len();
    let wide = n > usize::from(u16::MAX);
    let mut products = Interner::default();
    for id in &ids {
        products.intern(id);
    }
    if products.len() != n {
        return Err(bad("duplicate product id"));
    }
    let brands = r.strings()?;
    let categories = r.strings()?;
    let mut product_brand = Vec::with_capacity(n);
    let mut product_category = Vec::with_capacity(n);
    for _ in 0..n {
        let b = r.u32()?;
        let c = r.u32()?;
        if b as usize >= brands.len() || c as usize >= categories.len() {
            return Err(bad("brand or category index out of range"));
        }
        product_brand.push(b);
        product_category.push(c);
    }
    let n_sens = r.len(1)?;
    let category_sensitive = (0..n_sens)
        .map(|_| r.u8().map(|b| b != 0))
        .collect::<R<Vec<bool>>>()?;
    let rows = r.len(2)?;
    if rows != n {
        return Err(bad("neighbour table does not cover the catalogue"));
    }
    let mut neighbours = Neighbours {
        offsets: vec![0],
        items: Vec::new(),
        weights: Vec::new(),
    };
    for _ in 0..rows {
        let k = r.u16()?;
        for _ in 0..k {
            let j = r.index(wide)?;
            if j as usize >= n {
                return Err(bad("neighbour index out of range"));
            }
            neighbours.items.push(j);
            neighbours.weights.push(dequantise(r.u16()?));
        }
        neighbours.offsets.push(neighbours.items.len() as u32);
    }
    let n_pop = r.len(2)?;
    if n_pop != n {
        return Err(bad("popularity does not cover the catalogue"));
    }
    let popularity = (0..n_pop)
        .map(|_| r.u16().map(dequantise))
        .collect::<R<Vec<f32>>>()?;
    let n_popular = r.len(2)?;
    let popular = (0..n_popular)
        .map(|_| {
            r.index(wide).and_then(|i| {
                if (i as usize) < n {
                    Ok(i)
                } else {
                    Err(bad("popular index out of range"))
                }
            })
        })
        .collect::<R<Vec<u32>>>()?;
    let segments = r.strings()?;
    let n_seg = r.len(4)?;
    if n_seg != segments.len() {
        return Err(bad("segment lists do not match segments"));
    }
    let mut segment_popular = Vec::with_capacity(n_seg);
    for _ in 0..n_seg {
        let m = r.len(4)?;
        let mut list = Vec::with_capacity(m);
        for _ in 0..m {
            let i = r.index(wide)?;
            if i as usize >= n {
                return Err(bad("segment popular index out of range"));
            }
            list.push((i, dequantise(r.u16()?)));
        }
        segment_popular.push(list);
    }
    let n_cad = r.len(9)?;
    if n_cad != n {
        return Err(bad("cadence does not cover the catalogue"));
    }
    let cadence = (0..n_cad)
        .map(|_| {
            Ok(Cadence {
                days: r.f32()?,
                observed: r.u32()?,
                replenishable: r.u8()? != 0,
            })
        })
        .collect::<R<Vec<Cadence>>>()?;
    let prior_weight = r.f32()?;
    let n_rep = r.len(6)?;
    if n_rep != n {
        return Err(bad("repeat rates do not cover the catalogue"));
    }
    let mut repeats = RepeatStats {
        rate: Vec::with_capacity(n),
        cycle: Vec::with_capacity(n),
        ..RepeatStats::default()
    };
    for _ in 0..n_rep {
        repeats.rate.push(dequantise(r.u16()?));
        repeats.cycle.push(r.f32()?);
    }
    repeats.default_cycle = r.f32()?;
    for l in &mut repeats.lift {
        *l = r.f32()?;
    }
    let timing = |r: &mut Reader<'_>| -> R<Option<MbgNbd>> {
        Ok(match r.u8()? {
            0 => None,
            _ => Some(MbgNbd {
                r: r.f64()?,
                alpha: r.f64()?,
                a: r.f64()?,
                b: r.f64()?,
            }),
        })
    };
    let visits = match timing(&mut r)? {
        None => None,
        Some(overall) => {
            let n_seg = r.len(1)?;
            if n_seg != segments.len() {
                return Err(bad("segment visit models do not match segments"));
            }
            let segments = (0..n_seg).map(|_| timing(&mut r)).collect::<R<Vec<_>>>()?;
            let return_gap_p99_days = r.f64()?;
            let spend = match r.u8()? {
                0 => None,
                _ => Some(GammaGamma {
                    p: r.f64()?,
                    q: r.f64()?,
                    gamma: r.f64()?,
                }),
            };
            Some(VisitModel {
                overall,
                segments,
                spend,
                return_gap_p99_days,
            })
        }
    };
    let mut f = [0.0f64; 9];
    for x in &mut f {
        *x = r.f64()?;
    }
    let params = EngineParams {
        repeat_half_life: f[0],
        repeat_weight: f[1],
        repeat_prior: f[2],
        due_weight: f[3],
        seed_half_life: f[4],
        neighbour_weight: f[5],
        popularity_weight: f[6],
        like_weight: f[7],
        dislike_damp: f[8],
        max_seeds: r.u32()? as usize,
        popular_candidates: r.u32()? as usize,
    };
    if r.pos != payload.len() {
        return Err(bad("trailing bytes after the tables"));
    }
    Ok(Model {
        built_on,
        products,
        brands,
        product_brand,
        categories,
        product_category,
        category_sensitive,
        neighbours,
        popularity,
        popular,
        segments,
        segment_popular,
        cadence,
        repeats,
        prior_weight,
        visits,
        params,
    })
}
