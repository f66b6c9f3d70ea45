//! Availability: when a service can be booked. Free = the store's opening hours ∩ the
//! advisor's working hours (leave taken out) ∩ a free resource of the service's kind, minus
//! the bookings and their buffers, no sooner than the service's notice. The handheld searches
//! it offline; the server checks a booking against the same rules ([`Agenda::check`]) and its
//! answer wins.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use super::Refusal;
use super::agenda::{AdvisorHours, Agenda, Resource, Service};
use super::spans::{Span, first_overlap, intersect};

/// Bookable starts fall on quarter hours (UTC quarter hours are local ones in every zone the
/// chain has: offsets are whole quarter hours).
pub const GRID_SECS: i64 = 15 * 60;

/// How far around a refused time [`Agenda::nearest_free`] looks.
const NEAREST_BEFORE_SECS: i64 = 3 * 86_400;
const NEAREST_AFTER_SECS: i64 = 14 * 86_400;

/// What an advisor searches for.
#[derive(Debug, Clone, Copy)]
pub struct SlotQuery<'a> {
    /// The service.
    pub service_id: &'a str,
    /// One advisor, or any who has the specialty.
    pub advisor_id: Option<&'a str>,
    /// The customer, whose own bookings are avoided.
    pub customer_id: Option<&'a str>,
    /// Starts searched.
    pub window: Span,
    /// Now, for the notice.
    pub now: i64,
}

/// A bookable time, with who would give it and where.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Slot {
    /// The service's time.
    pub time: Span,
    /// The advisor: the one asked for, or the least booked that day.
    pub advisor_id: String,
    /// The resource it would use.
    pub resource_id: Option<String>,
}

/// A booking asked for.
#[derive(Debug, Clone, Copy)]
pub struct BookingRequest<'a> {
    /// The service.
    pub service_id: &'a str,
    /// Who gives it.
    pub advisor_id: &'a str,
    /// For whom.
    pub customer_id: &'a str,
    /// When it starts.
    pub start: i64,
    /// A resource chosen by hand, or the first free one of the service's kind.
    pub resource_id: Option<&'a str>,
}

/// Where an accepted booking goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// The service's time.
    pub time: Span,
    /// The resource it uses.
    pub resource_id: Option<String>,
    /// The buffer after it, in minutes.
    pub buffer_min: u32,
}

impl Agenda {
    /// The free starts for a service in a window, one per start time, in order. A booking to
    /// move is searched for with an agenda built without it.
    pub fn free_slots(&self, q: &SlotQuery) -> Result<Vec<Slot>, Refusal> {
        let service = self.service(q.service_id)?;
        self.check_fits_a_day(service)?;
        let mut advisors: Vec<usize> = match q.advisor_id {
            Some(id) => {
                let a = self.advisor(id)?;
                check_specialty(&self.advisors[a], service)?;
                vec![a]
            }
            None => (0..self.advisors.len())
                .filter(|&a| check_specialty(&self.advisors[a], service).is_ok())
                .collect(),
        };
        let earliest = q.window.start.max(q.now + notice_secs(service));
        let mut out = Vec::new();
        if earliest >= q.window.end {
            return Ok(out);
        }
        let clock = &self.store.clock;
        let last = clock.day_of(q.window.end - 1);
        let window = Span::new(earliest, q.window.end);
        for day in clock
            .day_of(earliest)
            .iter_days()
            .take_while(|d| *d <= last)
        {
            let open = self.open_on(day);
            if open.is_empty() {
                continue;
            }
            // The least booked advisor that day is offered first.
            advisors.sort_by_key(|&a| (self.load(a, day), a));
            let mut starts: BTreeMap<i64, Slot> = BTreeMap::new();
            for &a in &advisors {
                let work = intersect(&open, &self.working_on(&self.advisors[a], day));
                for span in work {
                    self.slots_in(service, a, q.customer_id, span, window, &mut starts);
                }
            }
            out.extend(starts.into_values());
        }
        Ok(out)
    }

    /// Adds to `starts` the free starts of one advisor within one of her working spans.
    fn slots_in(
        &self,
        service: &Service,
        advisor: usize,
        customer_id: Option<&str>,
        work: Span,
        window: Span,
        starts: &mut BTreeMap<i64, Slot>,
    ) {
        let (duration, buffer) = service_secs(service);
        let busy = &self.advisor_busy[advisor];
        let customer = customer_id.map_or(&[][..], |c| self.customer_busy(c));
        let mut s = ceil_to_grid(work.start.max(window.start));
        while s + duration <= work.end && s < window.end {
            let time = Span::new(s, s + duration);
            let held = Span::new(s, s + duration + buffer);
            if let Some(b) = first_overlap(busy, held).or_else(|| first_overlap(customer, time)) {
                s = ceil_to_grid(b.end);
                continue;
            }
            if let Entry::Vacant(free) = starts.entry(s)
                && let Ok(resource) = self.free_resource(service, held, None)
            {
                free.insert(Slot {
                    time,
                    advisor_id: self.advisors[advisor].id.clone(),
                    resource_id: resource.map(|r| r.id.clone()),
                });
            }
            s += GRID_SECS;
        }
    }

    /// Whether a booking can be made, and where; the first rule it breaks otherwise. A booking
    /// to move is checked against an agenda built without it.
    pub fn check(&self, req: &BookingRequest, now: i64) -> Result<Placement, Refusal> {
        let service = self.service(req.service_id)?;
        self.check_fits_a_day(service)?;
        let a = self.advisor(req.advisor_id)?;
        let advisor = &self.advisors[a];
        check_specialty(advisor, service)?;
        if req.start < now {
            return Err(Refusal::InThePast);
        }
        let earliest = now + notice_secs(service);
        if req.start < earliest {
            return Err(Refusal::TooShortNotice { earliest });
        }
        let day = self.store.clock.day_of(req.start);
        let open = self.open_on(day);
        if open.is_empty() {
            return Err(Refusal::ClosedDay { day });
        }
        let (duration, buffer) = service_secs(service);
        let time = Span::new(req.start, req.start + duration);
        let held = Span::new(req.start, req.start + duration + buffer);
        if !open.iter().any(|o| o.contains(&time)) {
            return Err(Refusal::OutsideOpeningHours);
        }
        if !self
            .working_on(advisor, day)
            .iter()
            .any(|w| w.contains(&time))
        {
            return Err(Refusal::AdvisorNotWorking);
        }
        if first_overlap(&self.advisor_busy[a], held).is_some() {
            return Err(Refusal::AdvisorBusy);
        }
        if first_overlap(self.customer_busy(req.customer_id), time).is_some() {
            return Err(Refusal::CustomerBusy);
        }
        let resource = self.free_resource(service, held, req.resource_id)?;
        Ok(Placement {
            time,
            resource_id: resource.map(|r| r.id.clone()),
            buffer_min: service.buffer_min,
        })
    }

    /// The free starts nearest a refused one, with the same advisor if she has any in the
    /// days around it, else with anyone; at most `count`, in time order.
    pub fn nearest_free(&self, req: &BookingRequest, now: i64, count: usize) -> Vec<Slot> {
        let window = Span::new(
            (req.start - NEAREST_BEFORE_SECS).max(now),
            req.start + NEAREST_AFTER_SECS,
        );
        let search = |advisor_id| {
            self.free_slots(&SlotQuery {
                service_id: req.service_id,
                advisor_id,
                customer_id: Some(req.customer_id),
                window,
                now,
            })
            .unwrap_or_default()
        };
        let mut slots = search(Some(req.advisor_id));
        if slots.is_empty() {
            slots = search(None);
        }
        slots.sort_by_key(|s| ((s.time.start - req.start).abs(), s.time.start));
        slots.truncate(count);
        slots.sort_by_key(|s| s.time.start);
        slots
    }

    /// The resource a service would use for `held`: none if it needs none, the one asked for
    /// if it is free, else the first free one of its kind.
    fn free_resource(
        &self,
        service: &Service,
        held: Span,
        asked: Option<&str>,
    ) -> Result<Option<&Resource>, Refusal> {
        let Some(kind) = &service.resource_kind else {
            return Ok(None);
        };
        let is_free = |i: usize| first_overlap(&self.resource_busy[i], held).is_none();
        let busy = || Refusal::ResourceBusy { kind: kind.clone() };
        let mut of_kind = self
            .resources
            .iter()
            .enumerate()
            .filter(|(_, r)| &r.kind == kind);
        match asked {
            Some(id) => {
                let (i, r) = of_kind
                    .find(|(_, r)| r.id == id)
                    .ok_or(Refusal::UnknownResource)?;
                is_free(i).then_some(Some(r)).ok_or_else(busy)
            }
            None => of_kind
                .find(|&(i, _)| is_free(i))
                .map(|(_, r)| Some(r))
                .ok_or_else(busy),
        }
    }
}

fn check_specialty(advisor: &AdvisorHours, service: &Service) -> Result<(), Refusal> {
    match &service.specialty {
        Some(s) if !advisor.specialties.contains(s) => Err(Refusal::AdvisorLacksSpecialty {
            specialty: s.clone(),
        }),
        _ => Ok(()),
    }
}

fn service_secs(service: &Service) -> (i64, i64) {
    (
        60 * i64::from(service.duration_min),
        60 * i64::from(service.buffer_min),
    )
}

fn notice_secs(service: &Service) -> i64 {
    60 * i64::from(service.notice_min)
}

fn ceil_to_grid(t: i64) -> i64 {
    t.div_euclid(GRID_SECS) * GRID_SECS
        + if t.rem_euclid(GRID_SECS) == 0 {
            0
        } else {
            GRID_SECS
        }
}
