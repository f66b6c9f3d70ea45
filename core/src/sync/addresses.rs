//! The server's addresses (its replicas): a call goes to the one that answered last, then to
//! the next ones while one cannot be reached.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Every address of the server, and which answered last. Clones share it.
#[derive(Debug, Clone)]
pub(crate) struct Addresses {
    urls: Arc<[String]>,
    current: Arc<AtomicUsize>,
}

impl Addresses {
    /// `urls` (the first tried first), without trailing slashes; `None` when there is none.
    pub(crate) fn new(urls: &[String]) -> Option<Self> {
        if urls.is_empty() {
            return None;
        }
        Some(Self {
            urls: urls
                .iter()
                .map(|u| u.trim_end_matches('/').to_owned())
                .collect(),
            current: Arc::default(),
        })
    }

    /// Whether every address is `https://`.
    pub(crate) fn all_https(&self) -> bool {
        self.urls.iter().all(|u| u.starts_with("https://"))
    }

    /// `call` at each address in turn, from the one that answered last, until one is reached
    /// (`unreachable` says which errors mean it was not): that answer, or the last failure.
    pub(crate) async fn call<T, E, F, Fut>(
        &self,
        unreachable: impl Fn(&E) -> bool,
        call: F,
    ) -> Result<T, E>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let n = self.urls.len();
        let first = self.current.load(Ordering::Relaxed) % n;
        let mut tried = 0;
        loop {
            let at = (first + tried) % n;
            let answer = call(self.urls[at].clone()).await;
            tried += 1;
            match &answer {
                Err(e) if unreachable(e) && tried < n => continue,
                Err(e) if unreachable(e) => return answer,
                _ => {
                    self.current.store(at, Ordering::Relaxed);
                    return answer;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::Mutex;

    use super::*;

    #[tokio::test]
    async fn goes_on_past_unreachable_addresses_and_starts_from_the_one_that_answered() {
        let urls = ["https://a/", "https://b", "https://c"].map(String::from);
        let addresses = Addresses::new(&urls).unwrap();
        let tried = Mutex::new(Vec::new());
        let down = |down: &'static [&'static str]| {
            let tried = &tried;
            move |url: String| {
                tried.lock().unwrap().push(url.clone());
                let up = !down.iter().any(|d| url.ends_with(d));
                async move { if up { Ok(url) } else { Err("unreachable") } }
            }
        };
        let unreachable = |e: &&str| *e == "unreachable";
        let answer = addresses.call(unreachable, down(&["a"])).await;
        assert_eq!(answer, Ok("https://b".to_owned()));
        // The next call starts from b, which answered.
        let answer = addresses.call(unreachable, down(&[])).await;
        assert_eq!(answer, Ok("https://b".to_owned()));
        // All down: each tried once, the last failure returned.
        tried.lock().unwrap().clear();
        let answer = addresses.call(unreachable, down(&["a", "b", "c"])).await;
        assert_eq!(answer, Err("unreachable"));
        assert_eq!(
            *tried.lock().unwrap(),
            ["https://b", "https://c", "https://a"].map(String::from)
        );
        // An error that is an answer (not "unreachable") stops there.
        let answer: Result<String, &str> =
            addresses.call(unreachable, |_| async { Err("401") }).await;
        assert_eq!(answer, Err("401"));
        assert!(Addresses::new(&[]).is_none());
    }
}
