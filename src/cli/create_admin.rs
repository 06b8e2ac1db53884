//! `roadmap-api create-admin`: bootstraps the first admin from the command line.
use std::io::BufRead;
use std::process::ExitCode;

use crate::accounts::roles;
use crate::accounts::service::NewUser;
use crate::config::{CreateAdminArgs, DbArgs, DbSettings};

pub async fn create_admin(db_args: &DbArgs, args: &CreateAdminArgs) -> ExitCode {
    let mut password = String::new();
    if args.password_stdin {
        if let Err(e) = std::io::stdin().lock().read_line(&mut password) {
            eprintln!("error: cannot read the password from standard input: {e}");
            return ExitCode::FAILURE;
        }
    }
    let password = password.trim_end_matches(['\r', '\n']).to_owned();
    let db = match crate::db::connect(&DbSettings::from(db_args)).await {
        Ok((db, _)) => db,
        Err(e) => {
            eprintln!("error: {}", crate::error::chain(&e));
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = crate::db::migrate(&db).await {
        eprintln!("error: {}", crate::error::chain(&e));
        return ExitCode::FAILURE;
    }
    let input = NewUser {
        email: args.email.clone(),
        username: args.username.clone(),
        password,
        display_name: args.display_name.clone(),
    };
    match roles::create_admin(&db, input).await {
        Ok((user, true)) => {
            println!("created admin {} <{}>", user.username, user.email);
            ExitCode::SUCCESS
        }
        Ok((user, false)) => {
            println!(
                "promoted existing user {} <{}> to admin (password unchanged)",
                user.username, user.email
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {}", crate::error::chain(&e));
            ExitCode::FAILURE
        }
    }
}
