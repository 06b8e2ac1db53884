//! What a user may do, as stored on their account and carried by their access token.
use crate::enums::string_enum;

string_enum!(
    /// What a user may do: learners are `USER`; `ADMIN`s also edit roadmaps and users.
    Role {
        User = "USER",
        Admin = "ADMIN",
    }
);
