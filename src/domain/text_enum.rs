//! `text_enum!`: a closed set of values (a status, a kind) kept in the database and in JSON as
//! the same snake_case text. One macro gives each such enum its text, its parser, its label in
//! words, serde and sqlx on both backends, so a new status cannot be stored, sent or shown by a
//! spelling of its own.

/// `text_enum! { pub enum Name { Variant = ("text", "Label"), ... } }`
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident = ($text:literal, $label:literal) ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $( $(#[$vmeta])* $variant ),+ }

        impl $name {
            /// Every value, in the order they are declared.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Every value as (text, label), in the order declared: what a form's choices show.
            pub const CHOICES: &'static [(&'static str, &'static str)] = &[$(($text, $label)),+];

            /// The text stored and sent for this value.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// How the value reads on a page.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// The texts this enum accepts, for messages: "planned, under_way, held or cancelled".
            pub fn choices() -> String {
                let texts: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                match texts.split_last() {
                    Some((last, [])) => last.to_string(),
                    Some((last, rest)) => format!("{} or {}", rest.join(", "), last),
                    None => String::new(),
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::domain::text_enum::UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err($crate::domain::text_enum::UnknownValue {
                        what: stringify!($name),
                        given: other.chars().take(40).collect(),
                    }),
                }
            }
        }

        /// A value equals its stored text ("held" == MeetingStatus::Held), so a test or a
        /// check can name it as it is stored and sent.
        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }

        $crate::domain::text_enum::stored_as_text!(static $name);
    };
}

pub(crate) use text_enum;

/// sqlx on both backends for a type kept as text: `static` for an enum whose text is a
/// `&'static str` (`as_str`), `owned` for one whose text is made by `Display`. Either is read
/// back through `FromStr`, so text the code does not know is an error, never a guess.
macro_rules! stored_as_text {
    (static $name:ty) => {
        $crate::domain::text_enum::stored_as_text!(@type_and_decode $name);

        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $name
        where
            &'q str: sqlx::Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&'q str as sqlx::Encode<'q, DB>>::encode(self.as_str(), buf)
            }
        }
    };
    (owned $name:ty) => {
        $crate::domain::text_enum::stored_as_text!(@type_and_decode $name);

        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $name
        where
            String: sqlx::Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <String as sqlx::Encode<'q, DB>>::encode(self.to_string(), buf)
            }
        }
    };
    (@type_and_decode $name:ty) => {
        impl<DB: sqlx::Database> sqlx::Type<DB> for $name
        where
            str: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <str as sqlx::Type<DB>>::type_info()
            }
            fn compatible(ty: &DB::TypeInfo) -> bool {
                <str as sqlx::Type<DB>>::compatible(ty)
            }
        }

        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $name
        where
            &'r str: sqlx::Decode<'r, DB>,
        {
            fn decode(
                value: <DB as sqlx::Database>::ValueRef<'r>,
            ) -> Result<Self, sqlx::error::BoxDynError> {
                let text = <&'r str as sqlx::Decode<'r, DB>>::decode(value)?;
                Ok(text.parse::<$name>()?)
            }
        }
    };
}

pub(crate) use stored_as_text;

/// A text that is none of an enum's values (from the database: a sign the schema and the code
/// disagree; from input: the caller's mistake, reported as a field error by the parser).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{given:?} is not a {what}")]
pub struct UnknownValue {
    pub what: &'static str,
    pub given: String,
}
