//! The learner web app, served by the same binary: the page (`page`) at `/` and at every deep
//! link (and, with status 404, at any unknown path a browser asks for: `not_found`), and its
//! files (`assets`: plain ES modules and CSS from `web/`, no build step), and the service worker
//! that keeps them on the device (`worker`).
mod assets;
mod page;
mod worker;

pub use assets::serve as asset;
pub use page::{not_found, page, routes};
pub use worker::service_worker;
