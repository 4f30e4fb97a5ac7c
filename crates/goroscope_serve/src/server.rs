//! The listener and its connections: HTTP/1.1 with a deadline on each request's headers, a bound on open
//! connections, and a graceful end that does not wait for a stuck client for ever.

use std::future::Future;
use std::net::{SocketAddr, TcpListener as StdListener, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::auth::is_loopback;
use crate::state::{LatestReports, State, Uploads};
use crate::{ServeError, ServeOptions, routes};

/// A client has this long to send a request's headers.
const HEADER_TIMEOUT: Duration = Duration::from_secs(15);
/// Connections open at once; more wait in the listen queue.
const MAX_CONNECTIONS: usize = 256;
/// How long open requests may finish after a stop was asked.
const DRAIN: Duration = Duration::from_secs(5);
/// Uploads read and analysed at once.
const UPLOADS: usize = 2;

/// A dashboard bound to its address, ready to run.
pub struct Server {
    listener: StdListener,
    addr: SocketAddr,
    state: Arc<State>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("addr", &self.addr).finish_non_exhaustive()
    }
}

impl Server {
    /// Binds `addr` (`HOST:PORT`; port 0 picks a free one). An address beyond the loopback interface needs a
    /// token in `options`.
    pub fn bind(addr: &str, options: ServeOptions) -> Result<Server, ServeError> {
        let addrs: Vec<SocketAddr> = addr
            .to_socket_addrs()
            .map_err(|error| ServeError::Address { addr: addr.to_owned(), error })?
            .collect();
        let listener = StdListener::bind(&addrs[..])
            .map_err(|error| ServeError::Bind { addr: addr.to_owned(), error })?;
        let bound =
            listener.local_addr().map_err(|error| ServeError::Bind { addr: addr.to_owned(), error })?;
        let loopback = is_loopback(bound.ip());
        if !loopback && options.token.is_none() {
            return Err(ServeError::TokenRequired { addr: bound });
        }
        listener.set_nonblocking(true).map_err(|error| ServeError::Bind { addr: addr.to_owned(), error })?;
        let local_only = options.token.is_none();
        let state = State {
            token: options.token,
            local_only,
            db: options.db,
            live: options.live,
            analyser: crate::analyse::Analyser {
                options: options.analysis,
                limits: options.limits,
                format: options.input_format,
                threads: options.threads,
            },
            source: options.source,
            max_upload: options.max_upload,
            upload_timeout: options.upload_timeout,
            refresh: options.refresh,
            uploads: Uploads::new(options.uploads_kept),
            latest: LatestReports::new(),
            uploading: Semaphore::new(UPLOADS),
            analysing: Semaphore::new(1),
        };
        Ok(Server { listener, addr: bound, state: Arc::new(state) })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// The routes, with their layers, for serving some other way (and for tests).
    pub fn router(&self) -> Router {
        routes::router(Arc::clone(&self.state))
    }

    /// Serves until Ctrl-C or SIGTERM, then lets open requests finish (a few seconds at most).
    pub fn run(self) -> Result<(), ServeError> {
        self.run_until(stop_signal())
    }

    /// Serves until `stop` completes, then lets open requests finish (a few seconds at most).
    pub fn run_until(self, stop: impl Future<Output = ()> + Send + 'static) -> Result<(), ServeError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("goroscope-serve")
            .build()
            .map_err(ServeError::Runtime)?;
        let router = self.router();
        runtime.block_on(async move {
            let listener = TcpListener::from_std(self.listener).map_err(ServeError::Runtime)?;
            serve(listener, router, stop).await;
            Ok(())
        })
    }
}

/// Ctrl-C, or SIGTERM on Unix.
async fn stop_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

async fn serve(listener: TcpListener, router: Router, stop: impl Future<Output = ()> + Send) {
    let (closing, closed) = watch::channel(false);
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut connections = JoinSet::new();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            slot = Arc::clone(&slots).acquire_owned() => {
                let Ok(slot) = slot else { break };
                let accepted = tokio::select! {
                    () = &mut stop => break,
                    accepted = listener.accept() => accepted,
                };
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors, or a connection reset before it was accepted: a moment's pause
                    // keeps the loop from spinning.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                let service = TowerToHyperService::new(router.clone());
                let mut closed = closed.clone();
                connections.spawn(async move {
                    let _slot = slot;
                    let mut builder = http1::Builder::new();
                    builder.timer(TokioTimer::new()).header_read_timeout(HEADER_TIMEOUT);
                    let connection = builder.serve_connection(TokioIo::new(stream), service);
                    tokio::pin!(connection);
                    tokio::select! {
                        _ = connection.as_mut() => {}
                        _ = closed.changed() => {
                            connection.as_mut().graceful_shutdown();
                            let _ = connection.as_mut().await;
                        }
                    }
                });
            }
        }
    }
    drop(listener);
    let _ = closing.send(true);
    let drained =
        tokio::time::timeout(DRAIN, async { while connections.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        connections.abort_all();
    }
}
