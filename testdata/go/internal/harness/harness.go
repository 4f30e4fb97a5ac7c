// Package harness runs the pattern programs under testdata/go.
//
// Every program follows the same contract, which the Rust tests rely on:
//
//  1. It serves http.DefaultServeMux (with net/http/pprof registered) on a
//     listener bound to 127.0.0.1:0.
//  2. It prints exactly one line "pprof http://127.0.0.1:PORT" to stdout
//     ("pprof https://127.0.0.1:PORT" with -tls-cert and -tls-key).
//  3. It runs its scenario, triggering the pattern -n times (default 20).
//  4. It waits until the goroutine stacks stop changing (at most 5 s), calls
//     runtime.GC and prints "ready".
//  5. It keeps serving until stdin reaches EOF or 120 s pass, then exits 0.
//
// Flags for testing clients of protected pprof endpoints (all off by
// default, and then nothing changes):
//
//	-token T                  every request must carry "Authorization: Bearer T";
//	                          otherwise 401 with "WWW-Authenticate: Bearer"
//	-header-name N            every request must carry header N with value V;
//	-header-value V           otherwise 403 (both flags are needed)
//	-tls-cert F -tls-key F    serve HTTPS with this PEM certificate and key
//
// -token and -header-name/-header-value can be combined; the token is checked
// first. The checks apply to every path of the server, pprof or not.
//
// Self-calls keep working with these flags: Env.Client and every client made
// by NewClient send the token and the header on each request and trust the
// certificate given with -tls-cert (which must therefore be valid for
// 127.0.0.1, e.g. made by "go run $(go env GOROOT)/src/crypto/tls/generate_cert.go
// --host 127.0.0.1"). Env.URL carries the https scheme when TLS is on. The
// upstream servers of ServeLocal stay plain HTTP without checks.
//
// The programs are kept compatible with Go 1.17 so that fixtures can be
// captured with older toolchains.
package harness

import (
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"goroscope.test/patterns/internal/settle"
	"io"
	"io/ioutil"
	"net"
	"net/http"
	"os"
	"runtime"
	"sync"
	"time"
)

const (
	lifetime     = 120 * time.Second
	settleLimit  = 5 * time.Second
	settleStep   = 100 * time.Millisecond
	settleStable = 3 // identical consecutive samples after the first one
)

var (
	times       = flag.Int("n", 20, "how many times the scenario triggers its pattern")
	token       = flag.String("token", "", "require \"Authorization: Bearer `TOKEN`\" on every request (401 otherwise)")
	headerName  = flag.String("header-name", "", "require header `NAME` (with -header-value) on every request (403 otherwise)")
	headerValue = flag.String("header-value", "", "the `VALUE` that the -header-name header must have")
	tlsCert     = flag.String("tls-cert", "", "serve HTTPS with this PEM certificate `file` (with -tls-key)")
	tlsKey      = flag.String("tls-key", "", "PEM private key `file` of -tls-cert")
)

// roots trusts the -tls-cert certificate; nil when TLS is off. Set by Main
// before the scenario runs, read by NewClient.
var roots *x509.CertPool

// Env is what a scenario works with.
type Env struct {
	// N is how many times to trigger the pattern (flag -n).
	N int
	// URL is the base URL of the program's own server, "http://127.0.0.1:PORT"
	// ("https://..." with -tls-cert).
	URL string
	// Client talks to URL: keep-alives on, 5 s timeout, with the credentials
	// and the certificate of the flags (see NewClient).
	Client *http.Client
	// Busy, when set by the scenario, skips waiting for the goroutine stacks
	// to settle: the program keeps working on purpose (healthy programs).
	Busy bool
}

// Get requests URL+path with env.Client, reads and closes the body, and
// returns the status code.
func (e *Env) Get(path string) (int, error) {
	return Get(e.Client, e.URL+path)
}

// Get requests url with c, reads and closes the body, and returns the status
// code.
func Get(c *http.Client, url string) (int, error) {
	resp, err := c.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, err
}

// NewClient returns a client with its own keep-alive transport and the given
// overall request timeout. Called from a scenario, the client can talk to
// the program's own server whatever the flags: it sends the -token and
// -header-name credentials and trusts the -tls-cert certificate.
func NewClient(timeout time.Duration) *http.Client {
	t := &http.Transport{
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     lifetime,
	}
	if roots != nil {
		t.TLSClientConfig = &tls.Config{RootCAs: roots}
	}
	var rt http.RoundTripper = t
	if *token != "" || *headerName != "" {
		rt = &credentials{base: t}
	}
	return &http.Client{Timeout: timeout, Transport: rt}
}

// credentials adds the -token and -header-name credentials to requests.
type credentials struct {
	base *http.Transport
}

func (c *credentials) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if *token != "" {
		r.Header.Set("Authorization", "Bearer "+*token)
	}
	if *headerName != "" {
		r.Header.Set(*headerName, *headerValue)
	}
	return c.base.RoundTrip(r)
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the
// transport.
func (c *credentials) CloseIdleConnections() { c.base.CloseIdleConnections() }

// guard wraps h with the -token and -header-name checks.
func guard(h http.Handler) http.Handler {
	if *token == "" && *headerName == "" {
		return h
	}
	wantAuth := []byte("Bearer " + *token)
	wantHeader := []byte(*headerValue)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if *token != "" && subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), wantAuth) != 1 {
			w.Header().Set("WWW-Authenticate", "Bearer")
			http.Error(w, "missing or wrong bearer token", http.StatusUnauthorized)
			return
		}
		if *headerName != "" {
			got, ok := r.Header[http.CanonicalHeaderKey(*headerName)]
			if !ok || len(got) != 1 || subtle.ConstantTimeCompare([]byte(got[0]), wantHeader) != 1 {
				http.Error(w, "missing or wrong "+*headerName+" header", http.StatusForbidden)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// checkFlags validates the flag combinations and loads the certificate
// pool; it exits with status 2 on a usage error.
func checkFlags() {
	usage := func(msg string) {
		fmt.Fprintln(os.Stderr, msg)
		flag.Usage()
		os.Exit(2)
	}
	if (*headerName == "") != (*headerValue == "") {
		usage("-header-name and -header-value go together")
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		usage("-tls-cert and -tls-key go together")
	}
	if *tlsCert == "" {
		return
	}
	pemCerts, err := ioutil.ReadFile(*tlsCert)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tls:", err)
		os.Exit(1)
	}
	if _, err := tls.LoadX509KeyPair(*tlsCert, *tlsKey); err != nil {
		fmt.Fprintln(os.Stderr, "tls:", err)
		os.Exit(1)
	}
	roots = x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pemCerts) {
		fmt.Fprintln(os.Stderr, "tls: no certificate in", *tlsCert)
		os.Exit(1)
	}
}

// Parallel calls fn(i) for i in [0, n), at most workers at a time, and
// returns when all calls have returned.
func Parallel(n, workers int, fn func(i int)) {
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func(i int) {
			defer func() { <-sem; wg.Done() }()
			fn(i)
		}(i)
	}
	wg.Wait()
}

// ServeLocal serves h on another listener bound to 127.0.0.1:0 and returns
// its base URL. Programs use it for an upstream service they call.
func ServeLocal(h http.Handler) string {
	ln := listen()
	go func() { _ = http.Serve(ln, h) }()
	return "http://" + ln.Addr().String()
}

// Main serves http.DefaultServeMux, runs scenario and then follows the rest of
// the contract described in the package comment. It does not return.
func Main(scenario func(env *Env)) {
	flag.Parse()
	checkFlags()
	ln := listen()
	h := guard(http.DefaultServeMux)
	scheme := "http"
	if *tlsCert != "" {
		scheme = "https"
		go func() { _ = http.ServeTLS(ln, h, *tlsCert, *tlsKey) }()
	} else {
		go func() { _ = http.Serve(ln, h) }()
	}
	base := scheme + "://" + ln.Addr().String()
	fmt.Printf("pprof %s\n", base)

	env := &Env{N: *times, URL: base, Client: NewClient(5 * time.Second)}
	scenario(env)
	env.Client.CloseIdleConnections()
	if !env.Busy {
		settle.Goroutines(settleLimit, settleStep, settleStable)
	}
	runtime.GC()
	fmt.Println("ready")

	settle.StdinEOF(lifetime)
	os.Exit(0)
}

func listen() net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	return ln
}
