//! One pagination loop for every `NextToken` API.
//!
//! ECI lists page with `Limit` + `NextToken`, ECS with `MaxResults` +
//! `NextToken`; both end when the token comes back empty. [`collect_all`]
//! takes a closure that fetches one page for a token and returns every item.
//! It refuses to loop forever: a token seen before (a server bug, or an
//! emulator mistake) ends the walk with an error instead of repeating pages.

use std::collections::HashSet;
use std::future::Future;

use super::error::ApiError;

/// One page of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// Items of this page.
    pub items: Vec<T>,
    /// Token of the next page; `None` or empty on the last page.
    pub next_token: Option<String>,
}

impl<T> Page<T> {
    /// A page from items and the raw `NextToken` (empty = last page).
    pub fn new(items: Vec<T>, next_token: impl Into<String>) -> Self {
        let token = next_token.into();
        Page {
            items,
            next_token: (!token.is_empty()).then_some(token),
        }
    }
}

/// Fetches every page, starting without a token, and returns all items in
/// order. `action` names the listing in errors.
pub async fn collect_all<T, F, Fut>(action: &str, mut fetch: F) -> Result<Vec<T>, ApiError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<Page<T>, ApiError>>,
{
    let mut items = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut token: Option<String> = None;
    loop {
        let page = fetch(token.take()).await?;
        items.extend(page.items);
        match page.next_token.filter(|t| !t.is_empty()) {
            None => return Ok(items),
            Some(next) => {
                if !seen.insert(next.clone()) {
                    return Err(ApiError::Encode {
                        action: action.to_owned(),
                        message: format!(
                            "pagination stopped: NextToken {next:?} was returned twice"
                        ),
                    });
                }
                log::debug!("{action}: fetching the page after {} item(s)", items.len());
                token = Some(next);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake listing of `total` numbers served `size` per page.
    async fn fake(
        total: usize,
        size: usize,
        token: Option<String>,
    ) -> Result<Page<usize>, ApiError> {
        let start: usize = token.map(|t| t.parse().unwrap()).unwrap_or(0);
        let end = (start + size).min(total);
        let next = if end < total {
            end.to_string()
        } else {
            String::new()
        };
        Ok(Page::new((start..end).collect(), next))
    }

    #[tokio::test]
    async fn walks_every_page_in_order() {
        let mut calls = 0;
        let all = collect_all("List", |t| {
            calls += 1;
            fake(47, 20, t)
        })
        .await
        .unwrap();
        assert_eq!(all, (0..47).collect::<Vec<_>>());
        assert_eq!(calls, 3);
    }

    #[tokio::test]
    async fn empty_listing_is_one_call() {
        let all = collect_all("List", |t| fake(0, 20, t)).await.unwrap();
        assert!(all.is_empty());
    }

    #[tokio::test]
    async fn repeated_token_is_an_error_not_a_loop() {
        let err = collect_all("List", |_t| async { Ok(Page::new(vec![1], "same")) })
            .await
            .unwrap_err();
        assert!(err.to_string().contains("returned twice"), "{err}");
    }

    #[tokio::test]
    async fn errors_stop_the_walk() {
        let err = collect_all::<u8, _, _>("List", |_t| async {
            Err(ApiError::Cancelled {
                action: "List".into(),
                attempts: 1,
            })
        })
        .await
        .unwrap_err();
        assert!(err.is_cancelled());
    }
}
