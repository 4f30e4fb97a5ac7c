//! `goroscope serve [URL…]`: the local web dashboard. Targets given are watched in the background into the
//! history, which the pages read; uploads are analysed and kept in memory.

use std::io::{self, Write};
use std::net::ToSocketAddrs;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use goroscope_analyze::SourceLines;
use goroscope_collect::HttpClient;
use goroscope_serve::{ServeOptions, Server, SourceFactory, Token, is_loopback};
use goroscope_watch::{Event, Live, Outputs, Until, watch, write_event};

use crate::Outcome;
use crate::args::ServeArgs;
use crate::commands::watch::{db_path, open_store, targets};
use crate::source::SourceFinder;

pub(crate) fn run(args: &ServeArgs, quiet: bool) -> Result<Outcome> {
    let targets = targets(&args.targets)?;
    let db = db_path(&args.store.db)?;
    let addrs: Vec<_> = args
        .bind
        .to_socket_addrs()
        .with_context(|| format!("--bind {}: write it as HOST:PORT, e.g. 127.0.0.1:7070", args.bind))?
        .collect();
    if addrs.is_empty() {
        bail!("--bind {}: the name resolves to no address", args.bind);
    }
    let (token, generated) = match &args.token_file {
        Some(path) => (Some(Token::from_file(path)?), false),
        None if addrs.iter().all(|a| is_loopback(a.ip())) => (None, false),
        None => (Some(Token::generate()?), true),
    };
    // The watch writes the history before the pages read it.
    let store = if targets.is_empty() { None } else { Some(open_store(&args.store)?) };
    let live = Live::new();
    let source: Option<SourceFactory> = (args.analysis.context > 0).then(|| {
        let src = args.analysis.src.clone();
        Arc::new(move || Box::new(SourceFinder::new(src.clone())) as Box<dyn SourceLines>) as SourceFactory
    });
    let refresh = if targets.is_empty() {
        Duration::from_secs(5)
    } else {
        args.poll.interval.clamp(Duration::from_secs(1), Duration::from_secs(30))
    };
    let options = ServeOptions {
        db: Some(db),
        token: token.clone(),
        max_upload: args.max_upload,
        limits: args.collect.limits(),
        analysis: args.analysis.options(),
        input_format: args.analysis.input_format.into(),
        threads: args.analysis.threads,
        source,
        live: (!targets.is_empty()).then(|| live.clone()),
        refresh,
        ..ServeOptions::default()
    };
    let server = Server::bind(&args.bind, options)?;
    let url = server.url();
    // The one line that says where: printed even with -q, as the server has no other way to say it.
    eprintln!("goroscope: serving on {url}");
    if generated && let Some(token) = &token {
        eprintln!(
            "goroscope: listening beyond this machine, so a token is required; it is shown only now:\n  \
             {url}?token={}\n  (or send `Authorization: Bearer TOKEN`; give --token-file to choose it)",
            token.reveal()
        );
    }
    let watcher = match store {
        Some(mut store) => {
            let options = args.poll.options(&args.analysis);
            let client = HttpClient::new(args.collect.http_options()?);
            let (live, src, context) = (live.clone(), args.analysis.src.clone(), args.analysis.context);
            if !quiet {
                let names: Vec<&str> = targets.iter().map(|t| t.name.as_str()).collect();
                eprintln!("goroscope: watching {} (history in {})", names.join(", "), store.path().display());
            }
            Some(std::thread::spawn(move || {
                let finder = (context > 0).then(|| SourceFinder::new(src));
                let mut sink = |event: &Event| {
                    if !quiet && !event.kind.is_sample() {
                        let _ = write_event(&mut io::stderr().lock(), event, false);
                    }
                };
                let outputs = Outputs {
                    store: Some(&mut store),
                    live,
                    source: finder.as_ref().map(|f| f as &dyn SourceLines),
                    sink: &mut sink,
                };
                watch(targets, &options, client, Until::Forever, outputs)
            }))
        }
        None => None,
    };
    let served = server.run();
    live.stop();
    if let Some(watcher) = watcher {
        let _ = watcher.join();
    }
    let _ = io::stderr().flush();
    served?;
    Ok(Outcome::Ran)
}
