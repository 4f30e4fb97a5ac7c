//! A connection reset is an error, never the end of a body.
//!
//! ureq takes a reset met while reading a body for the server closing the connection. A body framed by a length
//! or by chunks is still found short, but one that ends with the connection (no length, not chunked) would look
//! complete though cut. This layer, last in ureq's connector chain, gives a reset an error of its own, which ureq
//! passes on and [`is_reset`] recognises.
//!
//! It uses ureq's `unversioned` transport API, which may change in any ureq release: check it when upgrading.

use std::fmt;
use std::io;

use ureq::unversioned::transport::{Buffers, ConnectionDetails, Connector, NextTimeout, Transport};

/// Wraps every connection made by the connectors before it in [`ResetIsError`].
#[derive(Debug)]
pub(crate) struct ResetsAreErrors;

impl<In: Transport> Connector<In> for ResetsAreErrors {
    type Out = ResetIsError<In>;

    fn connect(&self, _: &ConnectionDetails, chained: Option<In>) -> Result<Option<Self::Out>, ureq::Error> {
        Ok(chained.map(ResetIsError))
    }
}

/// A connection whose resets come out as [`Reset`] errors.
#[derive(Debug)]
pub(crate) struct ResetIsError<T>(T);

impl<T: Transport> Transport for ResetIsError<T> {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.0.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.0.transmit_output(amount, timeout)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.0.await_input(timeout).map_err(|e| match e {
            ureq::Error::Io(e)
                if matches!(e.kind(), io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted) =>
            {
                // Any other kind: ureq's body reader takes only these (and EOF) for the end of the connection.
                ureq::Error::Io(io::Error::other(Reset(e)))
            }
            e => e,
        })
    }

    fn is_open(&mut self) -> bool {
        self.0.is_open()
    }

    fn is_tls(&self) -> bool {
        self.0.is_tls()
    }
}

/// The server reset the connection.
#[derive(Debug)]
pub(crate) struct Reset(io::Error);

impl fmt::Display for Reset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the server reset the connection ({})", self.0.kind())
    }
}

impl std::error::Error for Reset {}

/// Whether `err` is a reset passed on by [`ResetIsError`], or a plain one.
pub(crate) fn is_reset(err: &io::Error) -> bool {
    err.get_ref().is_some_and(|inner| inner.is::<Reset>())
        || matches!(err.kind(), io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted)
}
