//! Enums of the topic domain.
use crate::enums::string_enum;

string_enum!(
    /// Top-level topic or a subtopic inside one.
    TopicKind {
        Topic = "TOPIC",
        Subtopic = "SUBTOPIC",
    }
);

string_enum!(
    /// The legend mark a roadmap shows next to a topic.
    LegendMark {
        /// Our recommendation.
        Recommended = "RECOMMENDED",
        /// An alternative to the recommended option.
        Alternative = "ALTERNATIVE",
        /// Can be learned at any point; the order does not matter.
        OrderNotStrict = "ORDER_NOT_STRICT",
    }
);

string_enum!(
    /// What kind of learning resource a link is.
    ResourceKind {
        Article = "ARTICLE",
        Video = "VIDEO",
        Official = "OFFICIAL",
        Opensource = "OPENSOURCE",
        Course = "COURSE",
        Podcast = "PODCAST",
        Book = "BOOK",
        Feed = "FEED",
        Roadmap = "ROADMAP",
    }
);
