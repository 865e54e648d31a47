//! The integration tests: one binary (one link step) with its own harness, so
//! that a real PostgreSQL server is started once before the tests and stopped
//! after them. Every test that touches storage runs twice, as
//! `sqlite::…` and `postgres::…`. `TEST_LOG=1` shows the nodes' logs;
//! `API_COVERAGE=1` lists the answers of the API description no test received.

mod api_description;
mod browser;
mod machine;
mod postgres;
mod support;

mod account_pages;
mod accounts;
mod actions;
mod admin_pages;
mod alert_form;
mod alert_page;
mod alerts;
mod analysis;
mod analysis_data;
mod analysis_network;
mod backup;
mod cli;
mod crash;
mod dashboard;
mod delivery;
mod deploy;
mod devnet;
mod federation;
mod group_pages;
mod groups;
mod hardening;
mod inbox_security;
mod interop;
mod monitoring;
mod notifications;
mod openapi;
mod organisation_pages;
mod pages;
mod proofs;
mod protocol;
mod public;
mod rings;
mod signed_alerts;
mod staff_journey;
mod validation;
mod webhooks;

use std::sync::Arc;

use libtest_mimic::{Arguments, Failed, Trial};
use support::{Backend, TestCase, TestEnv};

fn all_cases() -> Vec<TestCase> {
    let mut cases = Vec::new();
    cases.extend(accounts::cases());
    cases.extend(account_pages::cases());
    cases.extend(admin_pages::cases());
    cases.extend(group_pages::cases());
    cases.extend(organisation_pages::cases());
    cases.extend(alert_form::cases());
    cases.extend(actions::cases());
    cases.extend(alert_page::cases());
    cases.extend(alerts::cases());
    cases.extend(analysis::cases());
    cases.extend(analysis_data::cases());
    cases.extend(analysis_network::cases());
    cases.extend(backup::cases());
    cases.extend(validation::cases());
    cases.extend(cli::cases());
    cases.extend(delivery::cases());
    cases.extend(deploy::cases());
    cases.extend(devnet::cases());
    cases.extend(crash::cases());
    cases.extend(dashboard::cases());
    cases.extend(staff_journey::cases());
    cases.extend(federation::cases());
    cases.extend(groups::cases());
    cases.extend(monitoring::cases());
    cases.extend(notifications::cases());
    cases.extend(hardening::cases());
    cases.extend(inbox_security::cases());
    cases.extend(interop::cases());
    cases.extend(openapi::cases());
    cases.extend(pages::cases());
    cases.extend(protocol::cases());
    cases.extend(public::cases());
    cases.extend(rings::cases());
    cases.extend(proofs::cases());
    cases.extend(signed_alerts::cases());
    cases.extend(webhooks::cases());
    cases
}

fn selected(args: &Arguments, name: &str) -> bool {
    let matches = |pattern: &str| {
        if args.exact {
            name == pattern
        } else {
            name.contains(pattern)
        }
    };
    args.filter.as_deref().is_none_or(matches) && !args.skip.iter().any(|s| matches(s))
}

fn run_case(case_run: support::TestFn, backend: Backend, pg: Option<Arc<postgres::PgServer>>) -> Result<(), Failed> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failed::from(format!("runtime: {e}")))?;
    let env = TestEnv::new(backend, pg);
    runtime.block_on(case_run(env));
    Ok(())
}

fn main() -> std::process::ExitCode {
    let args = Arguments::from_args();
    if std::env::var_os("TEST_LOG").is_some() {
        tadamun::cli::init_tracing(tadamun::config::LogFormat::Text);
    }
    let cases = all_cases();
    let name_for = |backend: Backend, case: &TestCase| match (case.per_backend, backend) {
        (false, _) => case.name.to_string(),
        (true, Backend::Sqlite) => format!("sqlite::{}", case.name),
        (true, Backend::Postgres) => format!("postgres::{}", case.name),
    };
    let wants_postgres = !args.list
        && cases
            .iter()
            .any(|c| c.per_backend && selected(&args, &name_for(Backend::Postgres, c)));
    let pg = if wants_postgres {
        match postgres::PgServer::start() {
            Ok(server) => Some(Arc::new(server)),
            Err(message) => {
                eprintln!("error: cannot start the test PostgreSQL server: {message}");
                return std::process::ExitCode::FAILURE;
            }
        }
    } else {
        None
    };

    let mut trials = Vec::new();
    for case in &cases {
        let backends: &[Backend] = match (case.per_backend, case.postgres_only) {
            (true, true) => &[Backend::Postgres],
            (true, false) => &[Backend::Sqlite, Backend::Postgres],
            (false, _) => &[Backend::Sqlite],
        };
        for &backend in backends {
            let run = case.run;
            let pg = if backend == Backend::Postgres { pg.clone() } else { None };
            trials.push(Trial::test(name_for(backend, case), move || run_case(run, backend, pg)));
        }
    }
    let conclusion = libtest_mimic::run(&args, trials);
    if !args.list {
        eprintln!("{}", api_description::summary());
        if std::env::var_os("API_COVERAGE").is_some() {
            api_description::print_unseen();
        }
    }
    if let Some(pg) = pg {
        match Arc::try_unwrap(pg) {
            Ok(server) => server.stop(),
            Err(_) => eprintln!("warning: the PostgreSQL server is still in use; the kernel stops it at exit"),
        }
    }
    conclusion.exit_code()
}
