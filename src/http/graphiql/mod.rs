//! GraphiQL, self-contained: the page a browser gets at `GET /graphql` (`page`) and the files it
//! loads, embedded in the binary and served from `/graphiql/<version>/<file>` (`assets`). Nothing
//! comes from a CDN, so GraphiQL works on a machine without internet access.
mod assets;
mod page;

pub use assets::serve as asset;
pub(crate) use page::is_plain_host;
pub use page::page;
