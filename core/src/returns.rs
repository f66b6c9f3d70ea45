//! What she kept: her lines sold, each net of what she brought back. The playlist, the
//! re-purchase list and the client book's tasks read her history through here on the handheld
//! and on the server alike, so a returned shade is neither her favourite nor due again.

use std::collections::HashMap;

use carnet_reco::HistoryLine;

/// One of her lines as read: a sale, or a return of the line `return_of` names.
#[derive(Debug, Clone)]
pub struct Line {
    /// The line's id.
    pub id: String,
    /// For a return, the id of the line sold.
    pub return_of: Option<String>,
    /// The line: for a return, the units brought back and the (negative) refund.
    pub line: HistoryLine,
}

/// Her history net of returns, in the order the sales came, and the products she brought
/// back (each once, first return first). A line brought back whole is gone; a return of a
/// line this history does not hold takes nothing off.
pub fn kept(lines: impl IntoIterator<Item = Line>) -> (Vec<HistoryLine>, Vec<String>) {
    let mut history = Vec::new();
    let mut sold_at: HashMap<String, usize> = HashMap::new();
    let mut returns = Vec::new();
    for Line {
        id,
        return_of,
        line,
    } in lines
    {
        match return_of {
            Some(sold) => returns.push((sold, line)),
            None => {
                sold_at.insert(id, history.len());
                history.push(line);
            }
        }
    }
    let mut returned: Vec<String> = Vec::new();
    for (sold, back) in returns {
        if let Some(&at) = sold_at.get(&sold) {
            let line: &mut HistoryLine = &mut history[at];
            line.quantity = line.quantity.saturating_sub(back.quantity);
            line.amount_cents += back.amount_cents;
        }
        if !returned.contains(&back.product_id) {
            returned.push(back.product_id);
        }
    }
    history.retain(|line| line.quantity > 0);
    (history, returned)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn line(id: &str, product: &str, quantity: u32, amount: i64, of: Option<&str>) -> Line {
        Line {
            id: id.into(),
            return_of: of.map(Into::into),
            line: HistoryLine {
                product_id: product.into(),
                date: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
                quantity,
                amount_cents: amount,
                gift: false,
            },
        }
    }

    #[test]
    fn a_return_takes_its_units_and_amount_off_the_line_sold() {
        let (history, returned) = kept([
            line("R1-1", "P1", 2, 5000, None),
            line("R1-2", "P2", 1, 3000, None),
            line("T1-1", "P1", 1, -2500, Some("R1-1")),
            line("T2-1", "P2", 1, -3000, Some("R1-2")),
            line("T3-1", "P9", 1, -900, Some("R0-1")),
        ]);
        assert_eq!(history.len(), 1, "P2 came back whole");
        assert_eq!(
            (
                history[0].product_id.as_str(),
                history[0].quantity,
                history[0].amount_cents
            ),
            ("P1", 1, 2500)
        );
        assert_eq!(returned, ["P1", "P2", "P9"]);
    }
}
