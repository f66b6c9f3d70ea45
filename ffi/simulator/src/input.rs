//! A one-line text field: what the advisor types.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

/// A text field with a cursor at the end (enough for short entries on a handheld).
#[derive(Debug, Default, Clone)]
pub struct TextField {
    pub text: String,
    /// Shown as dots (PINs).
    pub secret: bool,
}

impl TextField {
    pub fn secret() -> Self {
        Self {
            text: String::new(),
            secret: true,
        }
    }

    pub fn with(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            secret: false,
        }
    }

    /// Applies a key; true if the text changed.
    pub fn handle(&mut self, key: KeyEvent) -> bool {
        match key.code {
            KeyCode::Char(c) => {
                self.text.push(c);
                true
            }
            KeyCode::Backspace => self.text.pop().is_some(),
            _ => false,
        }
    }

    pub fn shown(&self) -> String {
        if self.secret {
            "•".repeat(self.text.chars().count())
        } else {
            self.text.clone()
        }
    }
}
