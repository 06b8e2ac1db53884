//! Which input of a request an error is about, and the words that say what is wrong with it, in
//! the domains' own terms. Domains never spell an input the way the wire does (`parentId`,
//! `changes[3].topicId`) nor name an operation (`leaveTeam`): they say [`Input::Parent`],
//! [`Field::item`]`(Input::StatusChanges, 3).part(Input::Topic)`, [`Operation::LeaveTeam`], and
//! `graphql::error` spells them as field paths and operation names. A check shared by several
//! inputs (a text's length, an email's shape) is handed its field by its caller, and paths into
//! an import document (`roadmap.seo.title`) are the document format's own words: both are
//! [`Field::Path`]s, shown as they are.
//!
//! Without the GraphQL layer (the log, the command line) an input shows as its domain name
//! (`Input::NewParent` as `new_parent`).
use std::fmt;

/// An input an operation takes, named by what it is in the domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Input {
    /// The operation's input as a whole (a quota no single field breaks).
    Whole,
    // Accounts.
    Email,
    NewEmail,
    Username,
    DisplayName,
    TimeZone,
    Headline,
    /// A profile's links.
    Links,
    Password,
    CurrentPassword,
    NewPassword,
    /// A token mailed in a link (verify, reset, invite).
    MailedToken,
    RefreshToken,
    Role,
    // Catalogue.
    Roadmap,
    Topic,
    /// The parent a new topic is put under.
    Parent,
    /// The parent a topic is moved under.
    NewParent,
    Position,
    /// The topics a topic needs first.
    Prerequisites,
    Slug,
    /// The roadmaps a roadmap lists as related, by slug (when they are set on their own).
    RelatedSlugs,
    /// The related roadmaps of a roadmap's metadata.
    RelatedRoadmaps,
    /// The resources of a topic, in their wanted order.
    ResourceOrder,
    ExpectedVersion,
    /// Delete even though learners have progress on it.
    Force,
    Official,
    Rating,
    Feedback,
    // Teams.
    Team,
    /// A team's name.
    TeamName,
    User,
    Invite,
    /// The topics of a roadmap a team hides.
    HiddenTopics,
    // Progress.
    /// The topic a topic is the same as.
    SameAs,
    /// A batch of status changes.
    StatusChanges,
    /// When a change was made on the device.
    At,
    Note,
    /// How likely a learner wants to still recall a topic when it comes due for review.
    DesiredRetention,
    /// A document given to import (a roadmap, or one's progress).
    Document,
}

impl Input {
    /// The domain's name of the input, for the log and the command line.
    pub fn domain_name(self) -> String {
        let debug = format!("{self:?}");
        let mut out = String::with_capacity(debug.len() + 4);
        for (i, c) in debug.chars().enumerate() {
            if c.is_ascii_uppercase() {
                if i > 0 {
                    out.push('_');
                }
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c);
            }
        }
        out
    }
}

/// Where in a request an error is: an input, an item of a list input (or a part of that item), or
/// a path spelled by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    Input(Input),
    /// Item `index` of the list `list`, or its `part`.
    Item {
        list: Input,
        index: usize,
        part: Option<Input>,
    },
    /// A path inside an input (`.roadmaps[0].slug` inside a document), in the document's words.
    Inside {
        input: Input,
        path: String,
    },
    /// A path spelled by the layer that knows it, or a path into a document; shown as it is.
    Path(String),
}

impl Field {
    /// Item `index` of the list input `list`.
    pub fn item(list: Input, index: usize) -> Self {
        Self::Item {
            list,
            index,
            part: None,
        }
    }

    /// The place `path` (`.roadmaps[0]`, or empty for the input itself) inside `input`.
    pub fn inside(input: Input, path: impl Into<String>) -> Self {
        Self::Inside {
            input,
            path: path.into(),
        }
    }

    /// The `part` of this item (unchanged for anything but an item).
    pub fn part(self, part: Input) -> Self {
        match self {
            Self::Item { list, index, .. } => Self::Item {
                list,
                index,
                part: Some(part),
            },
            other => other,
        }
    }

    /// The field spelled with `spell` for its inputs.
    pub fn spelled(&self, spell: &dyn Fn(Input) -> String) -> String {
        match self {
            Self::Input(i) => spell(*i),
            Self::Item { list, index, part } => match part {
                Some(p) => format!("{}[{index}].{}", spell(*list), spell(*p)),
                None => format!("{}[{index}]", spell(*list)),
            },
            Self::Inside { input, path } => format!("{}{path}", spell(*input)),
            Self::Path(p) => p.clone(),
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.spelled(&|i| i.domain_name()))
    }
}

impl From<Input> for Field {
    fn from(input: Input) -> Self {
        Self::Input(input)
    }
}

impl From<&str> for Field {
    fn from(path: &str) -> Self {
        Self::Path(path.to_owned())
    }
}

impl From<String> for Field {
    fn from(path: String) -> Self {
        Self::Path(path)
    }
}

impl From<&String> for Field {
    fn from(path: &String) -> Self {
        Self::Path(path.clone())
    }
}

impl From<&Field> for Field {
    fn from(field: &Field) -> Self {
        field.clone()
    }
}

/// An operation an error message points the client to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Leaving a team oneself (rather than being removed from it).
    LeaveTeam,
    /// Handing a team to another owner.
    TransferTeamOwnership,
}

/// An error's words: text with the fields and operations it names left for the layer that
/// spells them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Words(Vec<Piece>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Field(Field),
    Operation(Operation),
}

impl Words {
    /// No words yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Words that start with the field's name in backquotes (`` `position` must … ``).
    pub fn quoted(field: impl Into<Field>) -> Self {
        Self::new().then_quoted(field)
    }

    /// Words that start with the field's name (`changes[2].at: …`).
    pub fn named(field: impl Into<Field>) -> Self {
        Self::new().then_name(field)
    }

    /// Appends text.
    pub fn then(mut self, text: impl Into<String>) -> Self {
        self.0.push(Piece::Text(text.into()));
        self
    }

    /// Appends the field's name.
    pub fn then_name(mut self, field: impl Into<Field>) -> Self {
        self.0.push(Piece::Field(field.into()));
        self
    }

    /// Appends the field's name in backquotes.
    pub fn then_quoted(self, field: impl Into<Field>) -> Self {
        self.then("`").then_name(field).then("`")
    }

    /// Appends the operation's name.
    pub fn then_operation(mut self, operation: Operation) -> Self {
        self.0.push(Piece::Operation(operation));
        self
    }

    /// The words with fields and operations spelled by `spell_input` and `spell_operation`.
    pub fn spelled(
        &self,
        spell_input: &dyn Fn(Input) -> String,
        spell_operation: &dyn Fn(Operation) -> String,
    ) -> String {
        let mut out = String::new();
        for piece in &self.0 {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Field(f) => out.push_str(&f.spelled(spell_input)),
                Piece::Operation(o) => out.push_str(&spell_operation(*o)),
            }
        }
        out
    }
}

impl fmt::Display for Words {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.spelled(&|i| i.domain_name(), &|o| format!("{o:?}")))
    }
}

impl From<String> for Words {
    fn from(text: String) -> Self {
        Self::new().then(text)
    }
}

impl From<&str> for Words {
    fn from(text: &str) -> Self {
        Self::new().then(text)
    }
}

impl From<&String> for Words {
    fn from(text: &String) -> Self {
        Self::new().then(text.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_leave_names_to_the_speller() {
        let w = Words::named(Field::item(Input::StatusChanges, 2).part(Input::Topic))
            .then(": topic `x` appears twice");
        assert_eq!(
            w.to_string(),
            "status_changes[2].topic: topic `x` appears twice"
        );
        let w = Words::new()
            .then("leave out ")
            .then_quoted(Input::Official)
            .then(", use ")
            .then_operation(Operation::LeaveTeam);
        let spelled = w.spelled(&|i| format!("<{i:?}>"), &|_| "op".into());
        assert_eq!(spelled, "leave out `<Official>`, use op");
        assert_eq!(Input::NewParent.domain_name(), "new_parent");
        assert_eq!(Field::from("roadmap.slug").to_string(), "roadmap.slug");
    }
}
