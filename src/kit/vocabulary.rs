//! Closed vocabularies stored as TEXT (states, kinds, classifications): each
//! word's stored name, its Japanese label, and nothing else.

/// Declares a closed vocabulary stored as TEXT: its wire names and its Japanese labels.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal / $label:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<$name> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }

            /// A word read back from the database. A word outside the vocabulary
            /// means the row was changed behind daicho's back (or by a newer
            /// version): an error, never a guess at what it meant.
            pub fn stored(text: &str) -> Result<$name, $crate::kit::vocabulary::UnknownWord> {
                $name::parse(text).ok_or_else(|| $crate::kit::vocabulary::UnknownWord {
                    vocabulary: stringify!($name),
                    word: text.to_owned(),
                })
            }

            /// The name on screens.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }
        }
    };
}
pub(crate) use vocabulary;

/// A stored word that its vocabulary does not know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownWord {
    pub vocabulary: &'static str,
    pub word: String,
}

impl std::fmt::Display for UnknownWord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "stored {} {:?} is not a known word",
            self.vocabulary, self.word
        )
    }
}

impl std::error::Error for UnknownWord {}

#[cfg(test)]
mod tests {
    vocabulary!(Light { Red = "red" / "赤", Green = "green" / "緑" });

    #[test]
    fn a_stored_word_is_read_strictly() {
        assert_eq!(Light::stored("green"), Ok(Light::Green));
        assert_eq!(Light::ALL, &[Light::Red, Light::Green]);
        assert_eq!((Light::Red.as_str(), Light::Red.label()), ("red", "赤"));
        let unknown = Light::stored("blue").unwrap_err();
        assert_eq!(unknown.vocabulary, "Light");
        assert_eq!(unknown.word, "blue");
        assert_eq!(
            unknown.to_string(),
            "stored Light \"blue\" is not a known word"
        );
    }
}
