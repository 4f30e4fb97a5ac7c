//! The HTML report in a real browser (headless Chromium): the page renders, its own script runs and its own
//! style applies under its Content-Security-Policy, search, the level filter and links to groups work, a hostile
//! dump cannot inject markup or script, and a screenshot shows the page as styled.
//! Chromium is required (`scripts/setup.sh` installs it); without it these tests fail.

#[path = "common/browser.rs"]
mod browser;
mod common;

use std::fmt::Write as _;

use browser::{Page, css_rgb, css_variable, file_url, js_string, render, report_css, rgb};

/// A group of the demo report, from its JSON.
struct Group {
    fingerprint: String,
    level: String,
    function: String,
}

fn demo_args() -> [&'static str; 4] {
    ["analyze", "examples/demo-dump.txt", "--src", "examples/leaky-service"]
}

/// The demo's goroutine count and groups, from its JSON report.
fn demo_groups() -> (u64, Vec<Group>) {
    let input = common::analyze_json(
        std::path::Path::new("examples/demo-dump.txt"),
        &["--src", "examples/leaky-service"],
    );
    let groups = input["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| Group {
            fingerprint: g["fingerprint"].as_str().unwrap().to_owned(),
            level: g["level"].as_str().unwrap().to_owned(),
            function: g["leak_site"]["function"].as_str().unwrap_or_default().to_owned(),
        })
        .collect();
    (input["summary"]["goroutines"].as_u64().unwrap(), groups)
}

/// What the filter shows: the counter, the ids of the groups on screen and the controls' values, in one call.
#[derive(Debug, serde::Deserialize)]
struct View {
    shown: String,
    visible: Vec<String>,
    level: String,
    search: String,
}

const VIEW: &str = "({ shown: document.getElementById('shown').textContent, \
    visible: Array.prototype.filter.call(document.querySelectorAll('article.group'), \
      function (e) { return e.checkVisibility(); }).map(function (e) { return e.id; }), \
    level: document.getElementById('level').value, search: document.getElementById('search').value })";

fn view(page: &Page) -> View {
    page.eval(VIEW)
}

/// Waits until the `#shown` counter says `want` and returns the view.
fn wait_shown(page: &Page, want: &str) -> View {
    page.wait_for(
        &format!("document.getElementById('shown').textContent === {} ? {VIEW} : null", js_string(want)),
        want,
    )
}

fn ids<'a>(groups: impl IntoIterator<Item = &'a Group>) -> Vec<String> {
    groups.into_iter().map(|g| format!("g-{}", g.fingerprint)).collect()
}

/// The `:target` of the page: its id, whether its top is inside the viewport, and its outline colour.
fn target(page: &Page) -> (String, bool, String) {
    page.eval(
        "(function (e) { var r = e.getBoundingClientRect(); \
           return [e.id, r.top >= 0 && r.top < innerHeight, getComputedStyle(e).outlineColor]; }) \
         (document.querySelector(':target'))",
    )
}

/// The demo page as rendered.
#[derive(serde::Deserialize)]
struct Content {
    title: String,
    h1: String,
    h2: String,
    summary: String,
    groups: usize,
    texts: Vec<(String, String, bool, String)>,
}

#[test]
fn demo_report_renders_and_filters_in_chromium() {
    let (goroutines, groups) = demo_groups();
    let suspects: Vec<&Group> = groups.iter().filter(|g| g.level != "healthy").collect();
    let healthy: Vec<&Group> = groups.iter().filter(|g| g.level == "healthy").collect();
    assert!(!suspects.is_empty() && !healthy.is_empty(), "the demo has suspects and healthy groups");
    let total = groups.len();
    let counter = |n: usize| format!("{n} of {total} groups");

    let html = render("demo", &demo_args(), None);
    let page = Page::open(&html);

    // Content, as rendered: headings, and each suspect's leak site inside its own group.
    let content: Content = page.eval(
        "({ title: document.title, h1: document.querySelector('h1').innerText, \
            h2: document.querySelector('h2').innerText, summary: document.querySelector('.summary').innerText, \
            groups: document.querySelectorAll('article.group').length, \
            texts: Array.prototype.map.call(document.querySelectorAll('article.group'), \
              function (e) { return [e.id, e.dataset.level, e.checkVisibility(), e.innerText]; }) })",
    );
    assert_eq!(content.title, "goroscope: examples/demo-dump.txt");
    assert_eq!(content.h1, "goroscope report");
    assert_eq!(content.h2, "examples/demo-dump.txt");
    // (The badges are in capitals: `text-transform` from the stylesheet.)
    let summary = format!("{goroutines} goroutines in {total} groups · 1 CERTAIN (30 goroutines), 6 LIKELY");
    assert!(content.summary.starts_with(&summary), "{}", content.summary);
    assert_eq!(content.groups, total);
    for (g, (id, level, visible, text)) in groups.iter().zip(&content.texts) {
        assert_eq!((id, level), (&format!("g-{}", g.fingerprint), &g.level), "groups in the JSON's order");
        assert_eq!(*visible, g.level != "healthy", "{id}: suspects are shown, healthy groups hidden");
        assert!(text.contains(&g.function), "{id} shows {}:\n{text}", g.function);
    }

    // The script ran under the policy: it wrote the counter and hid the healthy groups.
    let v = view(&page);
    assert_eq!(v.shown, counter(suspects.len()));
    assert_eq!(v.visible, ids(suspects.iter().copied()));
    assert_eq!((v.level.as_str(), v.search.as_str()), ("suspect", ""));

    // The stylesheet applied: badges in their colours and capitals, groups with a coloured edge, a sticky bar.
    let css = report_css();
    let colour = |var: &str| css_rgb(&css_variable(&css, "light", var));
    let styles: Vec<String> = page.eval(
        "(function (s) { return [s('article.group .badge.certain').backgroundColor, \
            s('article.group .badge.likely').backgroundColor, s('article.certain').borderLeftColor, \
            document.querySelector('article.group .badge.certain').innerText, s('nav.filters').position]; }) \
         (function (q) { return getComputedStyle(document.querySelector(q)); })",
    );
    assert_eq!(
        styles,
        [colour("--certain"), colour("--likely"), colour("--certain"), "CERTAIN".into(), "sticky".into()]
    );

    // Search: case-insensitive, over functions.
    let publish = suspects.iter().find(|g| g.function.ends_with(".publish")).expect("the publish group");
    page.fill("#search", "PUBLISH");
    assert_eq!(wait_shown(&page, &counter(1)).visible, ids([*publish]));
    page.fill("#search", "");
    assert_eq!(wait_shown(&page, &counter(suspects.len())).visible.len(), suspects.len());
    // A healthy group's function finds nothing among the suspects…
    let worker = healthy.iter().find(|g| g.function.ends_with("fulfilmentWorker")).expect("the worker pool");
    page.fill("#search", "fulfilmentWorker");
    assert!(wait_shown(&page, &counter(0)).visible.is_empty());
    // …and is found at every level.
    page.choose("#level", "");
    assert_eq!(wait_shown(&page, &counter(1)).visible, ids([*worker]));
    page.fill("#search", "");

    // Level filter: every level shows the healthy groups too; one level shows only its groups.
    assert_eq!(wait_shown(&page, &counter(total)).visible, ids(&groups));
    page.choose("#level", "healthy");
    assert_eq!(wait_shown(&page, &counter(healthy.len())).visible, ids(healthy.iter().copied()));
    page.choose("#level", "certain");
    let certain: Vec<&Group> = groups.iter().filter(|g| g.level == "certain").collect();
    assert_eq!(wait_shown(&page, &counter(certain.len())).visible, ids(certain));

    // A link to a hidden group reveals it, scrolls to it and marks it as the target.
    page.choose("#level", "suspect");
    wait_shown(&page, &counter(suspects.len()));
    let linked = format!("g-{}", healthy.last().unwrap().fingerprint);
    page.go_to_hash(&linked);
    let v = wait_shown(&page, &counter(total));
    assert!(v.visible.contains(&linked), "the linked group is shown");
    assert_eq!((v.level.as_str(), v.search.as_str()), ("", ""), "the filter was widened");
    let outlined = (linked.clone(), true, colour("--possible"));
    assert_eq!(target(&page), outlined, "the linked group is scrolled into view and outlined");
    page.assert_clean();

    // Opened with the link: the group is shown at once. (The first page stays open, so the browser does too.)
    let opened = Page::open_url(&file_url(&html, &linked));
    let v = wait_shown(&opened, &counter(total));
    assert!(v.visible.contains(&linked), "the linked group is shown");
    assert_eq!(target(&opened), outlined, "the linked group is scrolled into view and outlined");
    opened.assert_clean();
    drop(page);
}

/// Markup and script in every piece of dump text that reaches the page.
const HOSTILE: [&str; 4] = [
    "<script>window.__pwned=1</script>",
    "\"><img src=x onerror=\"window.__pwned=2\">",
    "<svg/onload=window.__pwned=3>",
    "</code></dd><iframe srcdoc=\"<script>window.__pwned=4</script>\">",
];

/// What a hostile page holds.
#[derive(Debug, serde::Deserialize)]
struct Dom {
    pwned: String,
    injected: Vec<String>,
    scripts: usize,
    handlers: Vec<String>,
    title: String,
    h2: String,
    body: String,
    suspects: Vec<String>,
}

#[test]
fn hostile_dump_cannot_inject_markup_or_script() {
    // Hand-made: no Go program can be asked to name a function or a file like this, but a goroutine label can
    // hold anything, and a dump can come from anywhere.
    let label_value = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    let mut dump = String::from("goroutine 1 [select]:\nmain.main()\n\t/src/main.go:20 +0x1\n\n");
    for id in 10..14 {
        let _ = write!(
            dump,
            "goroutine {id} [chan receive (nil chan), 5 minutes labels:{{\"tenant\": \"{}\", \"role\": \"{}\"}}]:\n\
             main.{}(...)\n\t/src/{}.go:10 +0x1\nmain.{}()\n\t/src/handler.go:30 +0x2\n\
             created by main.main in goroutine 1\n\t/src/main.go:5 +0x2\n\n",
            label_value(HOSTILE[0]),
            label_value(HOSTILE[3]),
            HOSTILE[0],
            HOSTILE[1],
            HOSTILE[2],
        );
    }
    // The dump's own name is shown as the heading and the title.
    let dir = browser::out_dir().join("hostile");
    std::fs::create_dir_all(&dir).unwrap();
    let dump_path = dir.join(format!("{}.txt", HOSTILE[1]));
    std::fs::write(&dump_path, &dump).unwrap();
    let html = render("hostile", &["analyze", dump_path.to_str().unwrap()], None);

    let page = Page::open(&html);
    let dom: Dom = page.eval(
        "({ pwned: typeof window.__pwned, \
            injected: ['img', 'iframe', 'svg[onload]', '[onerror]', '[srcdoc]'] \
              .filter(function (q) { return document.querySelector(q); }), \
            scripts: Array.prototype.filter.call(document.scripts, function (s) { \
              return (!s.type || /javascript|module/.test(s.type)) && s.textContent.indexOf('__pwned') !== -1; }).length, \
            handlers: Array.prototype.concat.apply([], Array.prototype.map.call(document.querySelectorAll('*'), \
              function (e) { return e.getAttributeNames().filter(function (a) { return a.indexOf('on') === 0; }) \
                .map(function (a) { return e.localName + ' ' + a; }); })), \
            title: document.title, h2: document.querySelector('h2').textContent, body: document.body.textContent, \
            suspects: Array.prototype.filter.call(document.querySelectorAll('article.group'), \
              function (e) { return e.checkVisibility(); }).map(function (e) { return e.innerText; }) })",
    );
    assert_eq!(dom.pwned, "undefined", "injected script ran");
    assert!(dom.injected.is_empty(), "elements were injected: {:?}", dom.injected);
    assert_eq!(dom.scripts, 0, "a script with text from the dump was injected");
    assert!(dom.handlers.is_empty(), "event handler attributes were injected: {:?}", dom.handlers);
    page.assert_clean();

    // The text is shown literally: in the heading, the title, the group (function, file, labels) and its stack.
    for text in [HOSTILE[0], HOSTILE[1], HOSTILE[2], &label_value(HOSTILE[3])] {
        assert!(dom.body.contains(text), "{text} is not shown literally in:\n{}", dom.body);
    }
    assert!(dom.h2.ends_with(&format!("{}.txt", HOSTILE[1])), "{}", dom.h2);
    assert!(dom.title.contains(HOSTILE[1]), "{}", dom.title);
    assert_eq!(dom.suspects.len(), 1, "the nil-channel group is the one suspect");
    for text in [format!("main.{}", HOSTILE[0]), format!("{}.go:10", HOSTILE[1])] {
        assert!(dom.suspects[0].contains(&text), "{text} not in the group:\n{}", dom.suspects[0]);
    }

    // The search attribute round-trips the markup: searching for it finds the group.
    for query in ["<script>window", "onerror=\"window"] {
        page.fill("#search", query);
        page.wait_until("document.getElementById('shown').textContent.indexOf('1 of') === 0", query);
    }
    page.fill("#search", "</nothing>");
    page.wait_until("document.getElementById('shown').textContent.indexOf('0 of') === 0", "no match");
    page.assert_clean();
}

#[test]
fn screenshot_shows_the_styled_report() {
    let html = render("demo-screenshot", &demo_args(), None);
    let css = report_css();
    let page = Page::open(&html);
    let (width, height) = browser::VIEWPORT;

    for scheme in ["light", "dark"] {
        page.set_color_scheme(scheme);
        let shot = page.screenshot(&format!("report-{scheme}"));
        assert_eq!((shot.width, shot.height), (width, height), "{scheme}: screenshot size");
        // Not blank: text is anti-aliased into many shades, and the background does not fill the picture.
        let colours = shot.distinct_colours();
        assert!(colours > 200, "{scheme}: only {colours} colours: is the page blank?");
        let (dominant, share) = shot.dominant_colour();
        assert_eq!(
            dominant,
            rgb(&css_variable(&css, scheme, "--bg")),
            "{scheme}: the page background fills most"
        );
        assert!(share < 0.8, "{scheme}: {:.0} % of the picture is one colour", share * 100.0);
        let panel = shot.count_colour(rgb(&css_variable(&css, scheme, "--panel")), 0);
        assert!(panel > 100_000, "{scheme}: only {panel} pixels of the groups' panel colour");
        // The badges and edges of certain and likely groups, in the colours of the stylesheet.
        for var in ["--certain", "--likely"] {
            let colour = css_variable(&css, scheme, var);
            let n = shot.count_colour(rgb(&colour), 2);
            assert!(n > 300, "{scheme}: only {n} pixels of {var} {colour}: did the stylesheet apply?");
        }
    }
    page.assert_clean();
}

/// The flame graph box whose function is `function` (the first, in document order), marked so that a
/// selector finds it, and the run of group places under it.
fn flame_box(page: &Page, function: &str, mark: &str) -> (usize, usize) {
    page.eval(&format!(
        "(function () {{ var box = Array.prototype.find.call(document.querySelectorAll('svg.flame g[data-r]'), \
           function (g) {{ return g.querySelector('title').textContent.split('\\n')[0] === {f}; }}); \
           box.setAttribute('data-test', {m}); \
           return box.getAttribute('data-r').split(' ').map(Number); }})()",
        f = js_string(function),
        m = js_string(mark)
    ))
}

/// What the flame graph marks: whether it is focused, and the ranges of its marked boxes.
fn marked_boxes(page: &Page) -> (bool, Vec<(usize, usize)>) {
    page.eval(
        "[document.querySelector('svg.flame').classList.contains('focus'), \
          Array.prototype.map.call(document.querySelectorAll('svg.flame g.hl'), \
            function (g) { return g.getAttribute('data-r').split(' ').map(Number); })]",
    )
}

#[test]
fn flame_graph_box_lists_its_groups_and_a_group_link_marks_its_stack() {
    let (_, groups) = demo_groups();
    let page = Page::open(&render("flame", &demo_args(), None));
    let positions: Vec<(String, usize)> = page.eval(
        "Array.prototype.map.call(document.querySelectorAll('article.group'), \
           function (a) { return [a.id, Number(a.getAttribute('data-pos'))]; })",
    );
    assert_eq!(positions.len(), groups.len(), "every group has its place in the flame graph");

    // The box of the function that one group alone is parked in: clicking it lists that group and opens it.
    let (first, end) = flame_box(&page, "main.(*service).publish", "publish");
    assert_eq!(end - first, 1);
    page.click("svg.flame g[data-test=publish] rect");
    let view = wait_shown(&page, &format!("1 of {} groups", groups.len()));
    let publish = positions.iter().find(|(_, pos)| *pos == first).unwrap();
    assert_eq!(view.visible, vec![publish.0.clone()]);
    assert_eq!(view.level, "", "the level filter steps aside for the frame");
    assert!(page.is_visible("#frame"), "the chip says which frame filters the list");
    assert_eq!(page.text("#frame-name"), "main.(*service).publish");
    assert_eq!(target(&page).0, publish.0, "the only group is opened");
    let (focused, marked) = marked_boxes(&page);
    assert!(focused && !marked.is_empty());
    assert!(marked.iter().all(|&(a, b)| a < end && first < b), "only boxes over the group: {marked:?}");

    // A box many groups pass through lists exactly those.
    page.click("#frame-clear");
    let all = wait_shown(&page, &format!("{n} of {n} groups", n = groups.len()));
    assert!(!page.is_visible("#frame") && !marked_boxes(&page).0, "show all clears the frame");
    assert_eq!(all.visible.len(), groups.len());
    let (first, end) = flame_box(&page, "net/http.(*conn).serve", "serve");
    assert!(end - first > 1, "several groups serve connections");
    page.click("svg.flame g[data-test=serve] rect");
    let view = wait_shown(&page, &format!("{} of {} groups", end - first, groups.len()));
    let mut under: Vec<String> =
        positions.iter().filter(|(_, pos)| (first..end).contains(pos)).map(|(id, _)| id.clone()).collect();
    let mut visible = view.visible.clone();
    under.sort();
    visible.sort();
    assert_eq!(visible, under);

    // Following a group's link marks the boxes of its stack, and only those.
    page.click("#frame-clear");
    let healthy = groups.iter().find(|g| g.level == "healthy").unwrap();
    let id = format!("g-{}", healthy.fingerprint);
    let pos = positions.iter().find(|(i, _)| *i == id).unwrap().1;
    page.go_to_hash(&id);
    page.wait_until("document.querySelector('svg.flame').classList.contains('focus')", "the stack marked");
    let (_, marked) = marked_boxes(&page);
    assert!(!marked.is_empty() && marked.iter().all(|&(a, b)| a <= pos && pos < b), "{marked:?} for {pos}");
    page.assert_clean();
}

#[test]
fn series_chart_draws_in_chromium_and_its_legend_opens_the_group() {
    let rounds: Vec<String> = (0..4).map(|r| format!("testdata/series/round{r}.txt")).collect();
    let mut args = vec!["series", "--interval", "30s", "--src", "examples/leaky-service"];
    args.extend(rounds.iter().map(String::as_str));
    let page = Page::open(&render("series", &args, None));
    let (width, height, paths, links): (f64, f64, usize, Vec<String>) = page.eval(
        "(function (svg) { var r = svg.getBoundingClientRect(); \
           return [r.width, r.height, svg.querySelectorAll('path').length, \
             Array.prototype.map.call(svg.querySelectorAll('a'), function (a) { return a.getAttribute('href'); })]; \
         })(document.querySelector('svg.chart'))",
    );
    assert!(width > 600.0 && height > 200.0, "the chart fills its box: {width}×{height}");
    assert_eq!(paths, links.len() + 1, "the total and one line per linked group");
    assert!(!links.is_empty());
    page.click("svg.chart a text");
    page.wait_until(&format!("location.hash === {}", js_string(&links[0])), "the legend's link");
    assert_eq!(target(&page).0, links[0].trim_start_matches('#'));
    assert!(page.visible("svg.sparkline") > 0, "sparklines beside the groups");
    page.assert_clean();
}
