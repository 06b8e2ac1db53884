//! The learner web app, served by the same binary: the page (`page`) at `/` and at every deep
//! link, and its files (`assets`: plain ES modules and CSS from `web/`, no build step).
mod assets;
mod page;

pub use assets::serve as asset;
pub use page::{page, ROUTES};
