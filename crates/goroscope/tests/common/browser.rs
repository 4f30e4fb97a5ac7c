//! Headless Chromium for the tests of goroscope's HTML pages.
//!
//! A test file includes it beside `common` (it is kept out of `common` so that the other test binaries do not
//! build and link the browser driver):
//!
//! ```ignore
//! mod common;
//! #[path = "common/browser.rs"]
//! mod browser;
//! ```
//!
//! One browser is shared by the tests of a file that run at the same time ([`Page::open`] takes a tab in it) and
//! quits when the last of them drops its page. Every page records, from before its own code runs, the script
//! errors it raises and the Content-Security-Policy violations it causes ([`Page::assert_clean`]). Waits are
//! bounded by [`TIMEOUT`], each call to the browser by [`CALL_TIMEOUT`].
//!
//! Each call to the browser takes about 0.1–0.2 s (the `headless_chrome` transport polls its socket), so ask for
//! many things in one [`Page::eval`] rather than one call per element.
//!
//! ```ignore
//! use browser::Page;
//! let html = browser::render("demo", &["analyze", "examples/demo-dump.txt"], None);
//! let page = Page::open(&html);
//! assert_eq!(page.visible("article.group"), 7);
//! page.fill("#search", "publish");
//! page.wait_until("document.getElementById('shown').textContent.indexOf('1 of') === 0", "the search to apply");
//! let n: usize = page.eval("document.querySelectorAll('svg rect').length");
//! let shot = page.screenshot("demo");
//! assert!(shot.count_colour(browser::rgb("#b3261e"), 2) > 100);
//! page.assert_clean();
//! ```
#![allow(dead_code, unreachable_pub)]

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, Weak, mpsc};
use std::time::{Duration, Instant};

use headless_chrome::protocol::cdp::{Emulation, Page as Cdp};
use headless_chrome::{Browser, LaunchOptions, Tab};
use serde::de::DeserializeOwned;

/// The longest a page may take to load, or a condition to become true.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// The longest the browser may take to answer one call (launching it included).
pub const CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// The viewport of every page unless [`Page::set_viewport`] changes it.
pub const VIEWPORT: (u32, u32) = (1280, 900);

/// The Chromium binary: `$GOROSCOPE_CHROMIUM` when set, else `chromium` (Debian's package) or
/// `chromium-browser` on PATH, else `/usr/bin/chromium`. Panics when there is none: these tests must not be
/// skipped.
pub fn chromium() -> PathBuf {
    let missing = |what: &str| -> ! {
        panic!(
            "Chromium is required: the HTML report tests open the page in headless Chromium, and {what}. \
             Run scripts/setup.sh (it installs Debian's `chromium` package), or put `chromium` on PATH \
             (or name the binary in GOROSCOPE_CHROMIUM)."
        )
    };
    if let Some(path) = std::env::var_os("GOROSCOPE_CHROMIUM") {
        let path = PathBuf::from(path);
        if !path.is_file() {
            missing(&format!("GOROSCOPE_CHROMIUM={} is not a file", path.display()));
        }
        return path;
    }
    let on_path =
        std::env::var_os("PATH").map(|p| std::env::split_paths(&p).collect::<Vec<_>>()).unwrap_or_default();
    on_path
        .into_iter()
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .chain([PathBuf::from("/usr/bin/chromium")])
        .find(|path| path.is_file())
        .unwrap_or_else(|| missing("none was found on PATH or at /usr/bin/chromium"))
}

/// The shared browser, launched when no test holds it. A launch that failed is not tried again by the other
/// tests: they fail at once with the same message.
fn browser() -> Arc<Browser> {
    static SHARED: Mutex<Weak<Browser>> = Mutex::new(Weak::new());
    static FAILED: Mutex<Option<String>> = Mutex::new(None);
    let mut shared = SHARED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(browser) = shared.upgrade() {
        return browser;
    }
    if let Some(failure) = FAILED.lock().unwrap_or_else(PoisonError::into_inner).as_ref() {
        panic!("{failure}");
    }
    let fail = |message: String| -> ! {
        *FAILED.lock().unwrap_or_else(PoisonError::into_inner) = Some(message.clone());
        panic!("{message}")
    };
    let path = chromium();
    let options = LaunchOptions {
        path: Some(path.clone()),
        headless: true,
        sandbox: false,
        args: vec!["--disable-gpu".as_ref(), "--hide-scrollbars".as_ref(), "--mute-audio".as_ref()],
        window_size: Some(VIEWPORT),
        idle_browser_timeout: CALL_TIMEOUT,
        ..LaunchOptions::default()
    };
    // The library retries a browser that does not start for minutes; give up sooner.
    let (started, launched) = mpsc::channel();
    std::thread::spawn(move || started.send(Browser::new(options)));
    let browser = match launched.recv_timeout(CALL_TIMEOUT) {
        Ok(Ok(browser)) => Arc::new(browser),
        Ok(Err(e)) => fail(format!(
            "launching {} failed: {e:#}. Is it a working Chromium? Run scripts/setup.sh.",
            path.display()
        )),
        Err(mpsc::RecvTimeoutError::Timeout | mpsc::RecvTimeoutError::Disconnected) => fail(format!(
            "{} did not start within {CALL_TIMEOUT:?}. Is it a working Chromium? Run scripts/setup.sh.",
            path.display()
        )),
    };
    *shared = Arc::downgrade(&browser);
    browser
}

/// Runs `goroscope ARGS… -q --html FILE` (from the repository root, `stdin` piped in when given) and returns the
/// page it wrote, `NAME.html` in this test binary's temporary directory.
pub fn render(name: &str, args: &[&str], stdin: Option<&[u8]>) -> PathBuf {
    let page = out_dir().join(format!("{name}.html"));
    let mut all = args.to_vec();
    all.extend(["-q", "--html", page.to_str().unwrap()]);
    let (code, _, stderr) = crate::common::goroscope(&all, stdin);
    assert_eq!(code, 0, "goroscope {all:?} failed: {stderr}");
    page
}

/// Where the browser tests write their pages and screenshots.
pub fn out_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `file:///…` for a page on disk, with `#fragment` when `fragment` is not empty.
pub fn file_url(path: &Path, fragment: &str) -> String {
    let path = path.canonicalize().unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut url = String::from("file://");
    for b in path.to_str().unwrap().bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            url.push(char::from(b));
        } else {
            let _ = write!(url, "%{b:02X}");
        }
    }
    if !fragment.is_empty() {
        url.push('#');
        url.push_str(fragment);
    }
    url
}

/// Installed before the page's own code: records script errors (uncaught exceptions and promise rejections)
/// and CSP violations.
const RECORDER: &str = r"
window.__goroscopeTest = { errors: [], violations: [] };
window.addEventListener('error', function (e) {
  window.__goroscopeTest.errors.push(String(e.message || e) + ' at ' + e.filename + ':' + e.lineno);
});
window.addEventListener('unhandledrejection', function (e) {
  window.__goroscopeTest.errors.push('unhandled rejection: ' + String(e.reason));
});
document.addEventListener('securitypolicyviolation', function (e) {
  window.__goroscopeTest.violations.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') +
    ' (' + (e.sample || '') + ')');
});
";

/// One page in its own tab of the shared browser, in the light colour scheme at [`VIEWPORT`].
pub struct Page {
    tab: Arc<Tab>,
    url: String,
    _browser: Arc<Browser>,
}

impl Page {
    /// Opens a page on disk and waits until it has loaded.
    pub fn open(path: &Path) -> Page {
        Page::open_url(&file_url(path, ""))
    }

    /// Opens a URL (`file://…#g-…` or `http://…`) and waits until it has loaded.
    pub fn open_url(url: &str) -> Page {
        let browser = browser();
        let tab = browser.new_tab().unwrap_or_else(|e| panic!("opening a tab: {e:#}"));
        tab.set_default_timeout(TIMEOUT);
        let page = Page { tab, url: url.to_owned(), _browser: browser };
        page.call(Cdp::AddScriptToEvaluateOnNewDocument {
            source: RECORDER.to_owned(),
            world_name: None,
            include_command_line_api: None,
            run_immediately: None,
        });
        page.set_color_scheme("light");
        page.set_viewport(VIEWPORT.0, VIEWPORT.1);
        // Loaded is when the new document is complete (the library's `wait_until_navigated` waits for the
        // network to be idle, and can miss the end of a fast load and wait for ever).
        let navigated = page.call(Cdp::Navigate {
            url: url.to_owned(),
            referrer: None,
            transition_Type: None,
            frame_id: None,
            referrer_policy: None,
        });
        assert!(navigated.error_text.is_none(), "loading {url}: {:?}", navigated.error_text);
        page.wait_until(
            "location.href !== 'about:blank' && document.readyState === 'complete'",
            "the page to load",
        );
        page
    }

    /// The tab, for what these helpers do not cover (`headless_chrome`'s own API).
    pub fn tab(&self) -> &Tab {
        &self.tab
    }

    /// Sends one `DevTools` protocol command to the tab.
    pub fn call<C: headless_chrome::protocol::cdp::types::Method + serde::Serialize + std::fmt::Debug>(
        &self,
        method: C,
    ) -> C::ReturnObject {
        let what = format!("{method:?}");
        self.tab.call_method(method).unwrap_or_else(|e| panic!("{what} on {}: {e:#}", self.url))
    }

    /// Emulates `prefers-color-scheme: light` or `dark`.
    pub fn set_color_scheme(&self, scheme: &str) {
        self.call(Emulation::SetEmulatedMedia {
            media: None,
            features: Some(vec![Emulation::MediaFeature {
                name: "prefers-color-scheme".to_owned(),
                value: scheme.to_owned(),
            }]),
        });
    }

    /// Sets the size of the viewport in CSS pixels (device scale factor 1).
    pub fn set_viewport(&self, width: u32, height: u32) {
        self.call(Emulation::SetDeviceMetricsOverride {
            width,
            height,
            device_scale_factor: 1.0,
            mobile: false,
            scale: None,
            screen_width: None,
            screen_height: None,
            position_x: None,
            position_y: None,
            dont_set_visible_size: None,
            screen_orientation: None,
            viewport: None,
            display_feature: None,
            device_posture: None,
        });
    }

    /// Evaluates a JavaScript expression in the page and returns its value, through JSON (`undefined` is
    /// `null`). Panics with the message when it throws.
    pub fn eval<T: DeserializeOwned>(&self, expression: &str) -> T {
        self.try_eval(expression).unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`Page::eval`], with what went wrong as the error.
    pub fn try_eval<T: DeserializeOwned>(&self, expression: &str) -> Result<T, String> {
        let wrapped = format!(
            "(function () {{ try {{ var v = ({expression}); return JSON.stringify({{ ok: v === undefined ? null : v }}); }} \
             catch (e) {{ return JSON.stringify({{ thrown: String(e) }}); }} }})()"
        );
        let result =
            self.tab.evaluate(&wrapped, false).map_err(|e| format!("evaluating {expression}: {e:#}"))?;
        let Some(serde_json::Value::String(json)) = result.value else {
            return Err(format!("evaluating {expression} gave no JSON: {result:?}"));
        };
        let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
        if let Some(thrown) = value.get("thrown") {
            return Err(format!("evaluating {expression} threw {thrown}"));
        }
        serde_json::from_value(value["ok"].take())
            .map_err(|e| format!("evaluating {expression}: unexpected value {json}: {e}"))
    }

    /// Polls a JavaScript condition until it is true; panics after [`TIMEOUT`], naming what was awaited.
    pub fn wait_until(&self, condition: &str, what: &str) {
        self.wait_for::<bool>(&format!("!!({condition}) || null"), what);
    }

    /// Polls a JavaScript expression until its value is not `null` or `undefined`, and returns that value;
    /// panics after [`TIMEOUT`], naming what was awaited. One call when it is ready at once, e.g.
    /// `page.wait_for::<String>("document.querySelector('svg') && document.querySelector('svg').id", "a chart")`.
    pub fn wait_for<T: DeserializeOwned>(&self, expression: &str, what: &str) -> T {
        let start = Instant::now();
        loop {
            let last = match self.try_eval::<Option<T>>(expression) {
                Ok(Some(value)) => return value,
                Ok(None) => "null".to_owned(),
                Err(e) => e,
            };
            assert!(
                start.elapsed() < TIMEOUT,
                "timed out after {TIMEOUT:?} waiting for {what} on {}: {expression} was {last}",
                self.url
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// How many elements match `selector`.
    pub fn count(&self, selector: &str) -> usize {
        self.eval(&format!("document.querySelectorAll({}).length", js_string(selector)))
    }

    /// How many elements matching `selector` are rendered (not hidden, not inside something hidden).
    pub fn visible(&self, selector: &str) -> usize {
        self.eval(&format!(
            "Array.prototype.filter.call(document.querySelectorAll({}), function (e) {{ return e.checkVisibility(); }}).length",
            js_string(selector)
        ))
    }

    /// The ids of the elements matching `selector` that are rendered, in document order.
    pub fn visible_ids(&self, selector: &str) -> Vec<String> {
        self.eval(&format!(
            "Array.prototype.filter.call(document.querySelectorAll({}), function (e) {{ return e.checkVisibility(); }})\
             .map(function (e) {{ return e.id; }})",
            js_string(selector)
        ))
    }

    /// Whether the first element matching `selector` is rendered.
    pub fn is_visible(&self, selector: &str) -> bool {
        self.eval(&format!("{}.checkVisibility()", element(selector)))
    }

    /// `textContent` of the first element matching `selector` (hidden text included).
    pub fn text(&self, selector: &str) -> String {
        self.eval(&format!("{}.textContent", element(selector)))
    }

    /// `innerText` of the first element matching `selector`: the text as rendered (hidden text left out).
    pub fn rendered_text(&self, selector: &str) -> String {
        self.eval(&format!("{}.innerText", element(selector)))
    }

    /// The computed value of a CSS property of the first element matching `selector`, e.g. `rgb(179, 38, 30)`.
    pub fn style(&self, selector: &str, property: &str) -> String {
        self.eval(&format!(
            "getComputedStyle({}).getPropertyValue({})",
            element(selector),
            js_string(property)
        ))
    }

    /// Clicks the first element matching `selector` with the mouse.
    pub fn click(&self, selector: &str) {
        self.tab
            .wait_for_element(selector)
            .and_then(|e| e.click().map(|_| ()))
            .unwrap_or_else(|e| panic!("clicking {selector}: {e:#}"));
    }

    /// Replaces the text of a field as a user typing or pasting does: focuses it, selects its text and enters
    /// `text` through the browser's input pipeline, or deletes the selection when `text` is empty (`beforeinput`
    /// and `input` fire either way).
    pub fn fill(&self, selector: &str, text: &str) {
        let delete = if text.is_empty() { "document.execCommand('delete');" } else { "" };
        self.eval::<()>(&format!(
            "(function (e) {{ e.focus(); e.select(); {delete} }})({})",
            element(selector)
        ));
        if !text.is_empty() {
            self.tab
                .send_character(text)
                .unwrap_or_else(|e| panic!("typing {text:?} into {selector}: {e:#}"));
        }
    }

    /// Presses one key (`"Backspace"`, `"ArrowUp"`, `"Enter"`…) in the focused element.
    pub fn press(&self, key: &str) {
        self.tab.press_key(key).unwrap_or_else(|e| panic!("pressing {key}: {e:#}"));
    }

    /// Chooses the option with `value` in a `<select>`, firing `input` and `change` as a user's choice does.
    pub fn choose(&self, selector: &str, value: &str) {
        let found: bool = self.eval(&format!(
            "(function (s) {{ if (!Array.prototype.some.call(s.options, function (o) {{ return o.value === {v}; }})) \
             {{ return false; }} s.value = {v}; s.dispatchEvent(new Event('input', {{ bubbles: true }})); \
             s.dispatchEvent(new Event('change', {{ bubbles: true }})); return true; }})({})",
            element(selector),
            v = js_string(value)
        ));
        assert!(found, "{selector} has no option with value {value:?}");
    }

    /// Sets `location.hash` as following an in-page link does (fires `hashchange`).
    pub fn go_to_hash(&self, fragment: &str) {
        self.eval::<()>(&format!("void (location.hash = {})", js_string(fragment)));
    }

    /// Script errors and CSP violations the page has caused so far.
    pub fn problems(&self) -> Vec<String> {
        self.eval("window.__goroscopeTest.errors.concat(window.__goroscopeTest.violations)")
    }

    /// Panics when the page raised a script error or broke its Content-Security-Policy.
    pub fn assert_clean(&self) {
        let problems = self.problems();
        assert!(
            problems.is_empty(),
            "{} raised script errors or CSP violations:\n{}",
            self.url,
            problems.join("\n")
        );
    }

    /// A PNG screenshot of the viewport, decoded. The PNG is also written to `out_dir()/NAME.png`.
    pub fn screenshot(&self, name: &str) -> Image {
        let png = self
            .tab
            .capture_screenshot(Cdp::CaptureScreenshotFormatOption::Png, None, None, true)
            .unwrap_or_else(|e| panic!("screenshot of {}: {e:#}", self.url));
        std::fs::write(out_dir().join(format!("{name}.png")), &png).unwrap();
        Image::decode(&png)
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        let _ = self.tab.close(false);
    }
}

/// `document.querySelector(SELECTOR)`, throwing a clear error when nothing matches.
fn element(selector: &str) -> String {
    format!(
        "(function (s) {{ var e = document.querySelector(s); if (!e) {{ throw new Error('no element matches ' + s); }} \
         return e; }})({})",
        js_string(selector)
    )
}

/// A JavaScript string literal.
pub fn js_string(text: &str) -> String {
    serde_json::to_string(text).unwrap()
}

/// A decoded screenshot: 8-bit RGBA rows, and how many pixels have each colour.
pub struct Image {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
    histogram: HashMap<[u8; 3], usize>,
}

impl Image {
    /// Decodes a PNG (any bit depth or colour type) into 8-bit RGBA.
    pub fn decode(png: &[u8]) -> Image {
        let mut decoder = png::Decoder::new(Cursor::new(png));
        decoder.set_transformations(png::Transformations::normalize_to_color8());
        let mut reader = decoder.read_info().expect("a PNG header");
        let mut buf = vec![0; reader.output_buffer_size().expect("a PNG of a sane size")];
        let info = reader.next_frame(&mut buf).expect("PNG image data");
        buf.truncate(info.buffer_size());
        let rgba: Vec<u8> = match info.color_type {
            png::ColorType::Rgba => buf,
            png::ColorType::Rgb => buf.chunks_exact(3).flat_map(|p| [p[0], p[1], p[2], 255]).collect(),
            png::ColorType::Grayscale => buf.iter().flat_map(|&g| [g, g, g, 255]).collect(),
            png::ColorType::GrayscaleAlpha => {
                buf.chunks_exact(2).flat_map(|p| [p[0], p[0], p[0], p[1]]).collect()
            }
            png::ColorType::Indexed => unreachable!("normalize_to_color8 expands palettes"),
        };
        let mut histogram = HashMap::new();
        for p in rgba.chunks_exact(4) {
            *histogram.entry([p[0], p[1], p[2]]).or_insert(0) += 1;
        }
        Image { width: info.width, height: info.height, rgba, histogram }
    }

    /// The colour at (x, y).
    pub fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let i = ((y * self.width + x) * 4) as usize;
        [self.rgba[i], self.rgba[i + 1], self.rgba[i + 2]]
    }

    /// How many different colours the image has.
    pub fn distinct_colours(&self) -> usize {
        self.histogram.len()
    }

    /// How many pixels are within `tolerance` (per channel) of `colour`.
    pub fn count_colour(&self, colour: [u8; 3], tolerance: u8) -> usize {
        self.histogram
            .iter()
            .filter(|(c, _)| c.iter().zip(colour).all(|(&a, b)| a.abs_diff(b) <= tolerance))
            .map(|(_, n)| n)
            .sum()
    }

    /// The most common colour and its share of the pixels (0–1).
    pub fn dominant_colour(&self) -> ([u8; 3], f64) {
        let (colour, n) = self.histogram.iter().max_by_key(|&(_, n)| n).expect("an image with pixels");
        (*colour, *n as f64 / f64::from(self.width * self.height))
    }
}

/// The HTML report's stylesheet, for the colours the tests look for.
pub fn report_css() -> String {
    std::fs::read_to_string(crate::common::repo().join("crates/goroscope_report/src/html/report.css"))
        .unwrap()
}

/// `#rrggbb` as bytes.
pub fn rgb(hex: &str) -> [u8; 3] {
    let hex = hex.trim_start_matches('#');
    assert_eq!(hex.len(), 6, "#rrggbb expected, got {hex}");
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap();
    [byte(0), byte(2), byte(4)]
}

/// `rgb(r, g, b)` as computed styles print `#rrggbb`.
pub fn css_rgb(hex: &str) -> String {
    let [r, g, b] = rgb(hex);
    format!("rgb({r}, {g}, {b})")
}

/// The value of a custom property (`--certain: #b3261e;`) in a stylesheet's `:root` rule for a colour scheme:
/// `"light"`, the first `:root` rule, or `"dark"`, the one inside `@media (prefers-color-scheme: dark)`.
pub fn css_variable(css: &str, scheme: &str, name: &str) -> String {
    let from = match scheme {
        "light" => 0,
        "dark" => css.find("prefers-color-scheme: dark").expect("a dark colour scheme in the stylesheet"),
        other => panic!("unknown colour scheme {other}"),
    };
    let root = &css[from..].split(":root").nth(1).expect("a :root rule in the stylesheet");
    let root = root.split('}').next().unwrap();
    let start =
        root.find(&format!("{name}:")).unwrap_or_else(|| panic!("no {name} in the {scheme} :root rule"));
    root[start + name.len() + 1..].split(';').next().unwrap().trim().to_owned()
}
