"use strict";
// The dashboard's only script (served as /static/app.js; the pages allow no other). It builds no markup from
// data: live sections are replaced by the same sections of the page fetched again, which the server rendered
// and escaped, and text goes through textContent.
(function () {
  var body = document.body;

  // Times are printed in UTC; the local time is in the tooltip.
  function localTimes(root) {
    Array.prototype.forEach.call(root.querySelectorAll("time"), function (el) {
      var when = new Date(el.textContent);
      if (!isNaN(when.getTime())) { el.title = when.toLocaleString(); }
    });
  }

  // Drag and drop onto the upload form.
  var drop = document.getElementById("drop");
  var form = document.getElementById("upload-form");
  var input = document.getElementById("dump-file");
  var status = document.getElementById("drop-status");
  if (drop && form && input) {
    var max = Number(drop.getAttribute("data-max")) || 0;
    var say = function (text) { if (status) { status.textContent = text; } };
    var submit = function (files) {
      if (!files || files.length === 0) { return; }
      var file = files[0];
      if (max > 0 && file.size > max) {
        say(file.name + " is larger than this dashboard accepts; compress it with gzip.");
        return;
      }
      say("Uploading and analysing " + file.name + "…");
      form.submit();
    };
    ["dragenter", "dragover"].forEach(function (type) {
      drop.addEventListener(type, function (event) {
        event.preventDefault();
        drop.classList.add("over");
      });
    });
    ["dragleave", "drop"].forEach(function (type) {
      drop.addEventListener(type, function () { drop.classList.remove("over"); });
    });
    drop.addEventListener("drop", function (event) {
      event.preventDefault();
      if (!event.dataTransfer || event.dataTransfer.files.length === 0) { return; }
      input.files = event.dataTransfer.files;
      submit(input.files);
    });
    input.addEventListener("change", function () {
      if (input.files && input.files.length > 0) { say(input.files[0].name + " selected."); }
    });
    form.addEventListener("submit", function (event) {
      var file = input.files && input.files[0];
      if (file && max > 0 && file.size > max) {
        event.preventDefault();
        say(file.name + " is larger than this dashboard accepts; compress it with gzip.");
      } else if (file) {
        say("Uploading and analysing " + file.name + "…");
      }
    });
  }

  // Live refresh: when what the page polls changes, its live sections are fetched again.
  var polled = (body.getAttribute("data-poll") || "").split(" ").filter(Boolean);
  var every = Number(body.getAttribute("data-refresh-ms")) || 0;
  var shown = document.getElementById("live-status");
  var last = null;

  function mark(text, ok) {
    if (!shown) { return; }
    shown.textContent = text;
    shown.className = ok ? "ok" : "stale";
  }

  function refreshSections() {
    return fetch(location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(function (text) {
        var fresh = new DOMParser().parseFromString(text, "text/html");
        Array.prototype.forEach.call(document.querySelectorAll("[data-live][id]"), function (section) {
          var replacement = fresh.getElementById(section.id);
          if (replacement && replacement.hasAttribute("data-live")) {
            // Folds the reader opened stay open.
            var before = section.querySelectorAll("details");
            var after = replacement.querySelectorAll("details");
            for (var i = 0; i < before.length && i < after.length; i += 1) { after[i].open = before[i].open; }
            section.replaceWith(document.adoptNode(replacement));
          }
        });
        localTimes(document);
        // How many times the live sections were replaced: for people and tests inspecting the page.
        body.setAttribute("data-refreshes", String(Number(body.getAttribute("data-refreshes") || 0) + 1));
      });
  }

  function poll() {
    if (document.hidden) { return; }
    Promise.all(polled.map(function (url) {
      return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.text();
        });
    }))
      .then(function (texts) {
        var now = texts.join("\n");
        var changed = last !== null && now !== last;
        last = now;
        return changed ? refreshSections() : null;
      })
      .then(function () { mark("live · " + new Date().toLocaleTimeString(), true); })
      .catch(function (error) { mark("not updating: " + error.message, false); });
  }

  localTimes(document);
  if (polled.length > 0 && every > 0) {
    poll();
    window.setInterval(poll, Math.max(every, 1000));
    document.addEventListener("visibilitychange", function () { if (!document.hidden) { poll(); } });
  }
})();
