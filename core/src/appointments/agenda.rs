//! What a store offers and who is free: its services and resources, its opening hours, its
//! advisors' hours, specialties and time off, and the bookings already made. [`Agenda`] holds
//! one store's, indexed for the availability search.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use carnet_fixtures::format::{Resource, Service, ServiceNames};

use super::Refusal;
use super::clock::{DAY_MINUTES, Edge, StoreClock};
use super::spans::{Span, merged};

/// Local hours of one day, in minutes after midnight (`to` may be 1440, midnight after).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hours {
    /// Opens or starts.
    pub from: u16,
    /// Closes or ends.
    pub to: u16,
}

/// Hours for each day of the week, Monday first; an empty day is closed (or off).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklyHours(pub [Vec<Hours>; 7]);

impl WeeklyHours {
    /// The same hours every day the mask (Monday first) marks.
    pub fn days(mask: [bool; 7], hours: &[Hours]) -> Self {
        WeeklyHours(mask.map(|open| if open { hours.to_vec() } else { Vec::new() }))
    }

    fn check(&self) -> Result<(), Refusal> {
        let ok = self
            .0
            .iter()
            .flatten()
            .all(|h| h.from < h.to && h.to <= DAY_MINUTES);
        ok.then_some(()).ok_or(Refusal::UnreadableHours)
    }

    /// The longest stretch of one day, in minutes.
    fn longest(&self) -> u32 {
        self.0
            .iter()
            .flatten()
            .map(|h| u32::from(h.to - h.from))
            .max()
            .unwrap_or(0)
    }
}

/// The store's calendar: its zone, opening hours and the days it stays shut.
#[derive(Debug, Clone)]
pub struct StoreHours {
    /// Its clock.
    pub clock: StoreClock,
    /// When it opens, by weekday.
    pub opening: WeeklyHours,
    /// Holidays and other closed days.
    pub closed: BTreeSet<NaiveDate>,
}

/// A service's name in the advisor's `language` (an ISO 639-1 code), English otherwise.
pub fn service_name<'a>(service: &'a Service, language: &str) -> &'a str {
    match language {
        "fr" => &service.names.fr,
        "it" => &service.names.it,
        _ => &service.names.en,
    }
}

/// An advisor's side of the agenda.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdvisorHours {
    /// Her id.
    pub id: String,
    /// When she works, by weekday, in the store's local time.
    pub hours: WeeklyHours,
    /// What she is trained to give.
    pub specialties: Vec<String>,
    /// Her leave and training days.
    pub time_off: Vec<Span>,
}

/// Where a booking stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    /// Made on a handheld; the server has not confirmed it yet.
    Provisional,
    /// The server accepted it.
    Confirmed,
    /// She came and was served.
    Done,
    /// She did not come.
    NoShow,
    /// Cancelled: its time is free again.
    Cancelled,
    /// The server refused it: another booking holds the time.
    Refused,
}

impl BookingStatus {
    /// Whether it holds its advisor, resource and customer for its time.
    pub fn holds_time(self) -> bool {
        !matches!(self, BookingStatus::Cancelled | BookingStatus::Refused)
    }
}

/// A booking of a service for a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    /// Its id.
    pub id: String,
    /// The service.
    pub service_id: String,
    /// Who gives it.
    pub advisor_id: String,
    /// The resource it uses.
    pub resource_id: Option<String>,
    /// For whom.
    pub customer_id: String,
    /// When it starts and ends (the service's time, without the buffer).
    pub time: Span,
    /// The buffer after it, in minutes.
    pub buffer_min: u32,
    /// Where it stands.
    pub status: BookingStatus,
}

impl Booking {
    /// The time it keeps its advisor and resource: the service and the buffer after it.
    pub fn held(&self) -> Span {
        Span::new(
            self.time.start,
            self.time.end + 60 * i64::from(self.buffer_min),
        )
    }
}

/// One store's agenda, indexed: who and what is busy when.
#[derive(Debug, Clone)]
pub struct Agenda {
    pub(crate) store: StoreHours,
    pub(crate) services: HashMap<String, Service>,
    pub(crate) resources: Vec<Resource>,
    /// Sorted by id.
    pub(crate) advisors: Vec<AdvisorHours>,
    /// Busy spans (service and buffer) of each advisor and each resource, in their lists'
    /// order; service spans by customer id; each sorted and disjoint.
    pub(crate) advisor_busy: Vec<Vec<Span>>,
    pub(crate) resource_busy: Vec<Vec<Span>>,
    pub(crate) customer_busy: HashMap<String, Vec<Span>>,
    /// Bookings that hold time, of each advisor by local day: who is least busy that day.
    pub(crate) advisor_load: Vec<HashMap<NaiveDate, u32>>,
}

impl Agenda {
    /// Indexes a store's agenda. Hours that end before they start, or run past midnight, are
    /// refused. Bookings of advisors or resources not listed hold only their customer.
    pub fn new(
        store: StoreHours,
        services: Vec<Service>,
        resources: Vec<Resource>,
        mut advisors: Vec<AdvisorHours>,
        bookings: &[Booking],
    ) -> Result<Self, Refusal> {
        store.opening.check()?;
        for a in &mut advisors {
            a.hours.check()?;
            a.time_off = merged(std::mem::take(&mut a.time_off));
        }
        advisors.sort_by(|a, b| a.id.cmp(&b.id));
        let advisor_at: HashMap<&str, usize> = advisors
            .iter()
            .enumerate()
            .map(|(i, a)| (a.id.as_str(), i))
            .collect();
        let resource_at: HashMap<&str, usize> = resources
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.as_str(), i))
            .collect();
        let mut advisor_busy = vec![Vec::new(); advisors.len()];
        let mut advisor_load = vec![HashMap::new(); advisors.len()];
        let mut resource_busy = vec![Vec::new(); resources.len()];
        let mut customer_busy: HashMap<String, Vec<Span>> = HashMap::new();
        for b in bookings.iter().filter(|b| b.status.holds_time()) {
            if let Some(&i) = advisor_at.get(b.advisor_id.as_str()) {
                advisor_busy[i].push(b.held());
                *advisor_load[i]
                    .entry(store.clock.day_of(b.time.start))
                    .or_insert(0) += 1;
            }
            if let Some(&i) = b.resource_id.as_deref().and_then(|r| resource_at.get(r)) {
                resource_busy[i].push(b.held());
            }
            match customer_busy.get_mut(b.customer_id.as_str()) {
                Some(spans) => spans.push(b.time),
                None => {
                    customer_busy.insert(b.customer_id.clone(), vec![b.time]);
                }
            }
        }
        for spans in advisor_busy
            .iter_mut()
            .chain(resource_busy.iter_mut())
            .chain(customer_busy.values_mut())
        {
            *spans = merged(std::mem::take(spans));
        }
        Ok(Agenda {
            services: services.into_iter().map(|s| (s.id.clone(), s)).collect(),
            store,
            resources,
            advisors,
            advisor_busy,
            resource_busy,
            customer_busy,
            advisor_load,
        })
    }

    /// The store's calendar.
    pub fn store(&self) -> &StoreHours {
        &self.store
    }

    /// A service by id.
    pub fn service(&self, id: &str) -> Result<&Service, Refusal> {
        self.services.get(id).ok_or(Refusal::UnknownService)
    }

    /// An advisor's place in the lists.
    pub(crate) fn advisor(&self, id: &str) -> Result<usize, Refusal> {
        self.advisors
            .binary_search_by(|a| a.id.as_str().cmp(id))
            .map_err(|_| Refusal::UnknownAdvisor)
    }

    /// A service longer than any day the store opens can never be booked.
    pub(crate) fn check_fits_a_day(&self, service: &Service) -> Result<(), Refusal> {
        if service.duration_min > self.store.opening.longest() {
            return Err(Refusal::LongerThanTheStoreDay {
                duration_min: service.duration_min,
                longest_min: self.store.opening.longest(),
            });
        }
        Ok(())
    }

    /// The store's open spans on a local day (none on a closed day).
    pub(crate) fn open_on(&self, day: NaiveDate) -> Vec<Span> {
        if self.store.closed.contains(&day) {
            return Vec::new();
        }
        self.local_spans(day, &self.store.opening)
    }

    /// An advisor's working spans on a local day, leave taken out.
    pub(crate) fn working_on(&self, advisor: &AdvisorHours, day: NaiveDate) -> Vec<Span> {
        let spans = self.local_spans(day, &advisor.hours);
        super::spans::subtract(&spans, &advisor.time_off)
    }

    fn local_spans(&self, day: NaiveDate, hours: &WeeklyHours) -> Vec<Span> {
        let clock = &self.store.clock;
        let spans = hours.0[StoreClock::weekday(day)]
            .iter()
            .map(|h| {
                Span::new(
                    clock.edge(day, h.from, Edge::Start),
                    clock.edge(day, h.to, Edge::End),
                )
            })
            .collect();
        merged(spans)
    }

    /// A customer's bookings.
    pub(crate) fn customer_busy(&self, id: &str) -> &[Span] {
        self.customer_busy.get(id).map_or(&[], Vec::as_slice)
    }

    /// How many bookings an advisor has on a local day.
    pub(crate) fn load(&self, advisor: usize, day: NaiveDate) -> u32 {
        self.advisor_load[advisor].get(&day).copied().unwrap_or(0)
    }
}
