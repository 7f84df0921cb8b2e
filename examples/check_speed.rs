//! Benchmark (a table, not a test): how long the bulk import's check takes natively on large
//! files, including cells built to make a careless check quadratic. Issue #27 asks that a
//! 4 MB file checks in under 2 s. Run: `scripts/bench.sh check`
//! (`cargo run --release --example check_speed`).

use pdscope::bulk::{File, Kind};
use std::time::Instant;

/// A users file of `rows` ordinary rows.
fn ordinary(rows: usize) -> String {
    let mut out = String::from(
        "name,email,role,job_title,time_zone,country_code,phone_number,teams,notify\n",
    );
    for i in 0..rows {
        out += &format!(
            "Person {i},person.{i}@example.com,Responder,Engineer,Europe/London,44,7700 9{:05},Platform;Team {},\n",
            i % 100_000,
            i % 50
        );
    }
    out
}

/// One row whose `teams` and `extra_emails` cells hold about `bytes` bytes.
fn one_huge_row(bytes: usize) -> String {
    let mut teams = String::new();
    let mut i = 0;
    while teams.len() < bytes / 2 {
        teams += &format!("Team {i};");
        i += 1;
    }
    let mut emails = String::new();
    while emails.len() < bytes / 2 {
        emails += &format!("x{i}@example.com;");
        i += 1;
    }
    format!("name,email,teams,extra_emails\nAda,ada@example.com,{teams},{emails}\n")
}

fn main() {
    let zone = |z: &str| pdscope::bulk::users::zones::canonical(z).map(str::to_string);
    let cases: Vec<(&str, String)> = vec![
        ("10,000 ordinary rows", ordinary(10_000)),
        (
            "one row, 4 MB of teams and e-mails",
            one_huge_row(4 * 1024 * 1024),
        ),
        ("4,000 rows padded to 4 MB", {
            let pad = "x".repeat(900);
            ordinary(4_000).replace("Engineer", &format!("Engineer {pad}"))
        }),
    ];
    println!("| file | size | check, median of 5 | goal |");
    println!("|---|---:|---:|---|");
    for (what, text) in cases {
        let mut times: Vec<f64> = (0..5)
            .map(|_| {
                let started = Instant::now();
                let file = File::check(Kind::Users, text.as_bytes(), &zone);
                let ms = started.elapsed().as_secs_f64() * 1000.0;
                assert!(file.is_ok() || what.contains("one row"), "{what}: {file:?}");
                ms
            })
            .collect();
        times.sort_by(f64::total_cmp);
        let mb = text.len() as f64 / (1024.0 * 1024.0);
        println!(
            "| {what} | {mb:.1} MB | {:.0} ms | under 2,000 ms |",
            times[2]
        );
    }
}
