//! Enums of the accounts domain.
use crate::enums::string_enum;

string_enum!(
    /// What a user may do: learners are `USER`; `ADMIN`s also edit roadmaps and users.
    Role {
        User = "USER",
        Admin = "ADMIN",
    }
);
