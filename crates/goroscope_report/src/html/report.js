"use strict";
(function () {
  var search = document.getElementById("search");
  var level = document.getElementById("level");
  var shown = document.getElementById("shown");
  var frameChip = document.getElementById("frame");
  var frameName = document.getElementById("frame-name");
  var groups = Array.prototype.slice.call(document.querySelectorAll("article.group"));
  // The flame graph box clicked: its view and the run of group places under it.
  var frame = null;

  function range(box) {
    var r = box.getAttribute("data-r").split(" ");
    return [Number(r[0]), Number(r[1])];
  }

  function underFrame(group) {
    if (frame === null) { return true; }
    if (group.closest("section.view") !== frame.view) { return false; }
    var pos = Number(group.getAttribute("data-pos"));
    return pos >= frame.first && pos < frame.end;
  }

  function matches(group, words, wanted) {
    if (!underFrame(group)) { return false; }
    var groupLevel = group.getAttribute("data-level");
    if (wanted === "suspect" && groupLevel === "healthy") { return false; }
    if (wanted !== "" && wanted !== "suspect" && groupLevel !== wanted) { return false; }
    var text = group.getAttribute("data-search");
    return words.every(function (word) { return text.indexOf(word) !== -1; });
  }

  function apply() {
    var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    var count = 0;
    groups.forEach(function (group) {
      var visible = matches(group, words, level.value);
      group.hidden = !visible;
      if (visible) { count += 1; }
    });
    shown.textContent = count + " of " + groups.length + " groups";
  }

  // Marks the boxes of `view`'s flame graph that hold any of the places first..end; none when first is null.
  function highlight(view, first, end) {
    document.querySelectorAll("svg.flame").forEach(function (svg) {
      var focus = first !== null && svg.closest("section.view") === view;
      svg.classList.toggle("focus", focus);
      svg.querySelectorAll("g[data-r]").forEach(function (box) {
        var r = range(box);
        box.classList.toggle("hl", focus && r[0] < end && first < r[1]);
      });
    });
  }

  function chooseFrame(box) {
    var r = range(box);
    var view = box.closest("section.view");
    frame = { view: view, first: r[0], end: r[1] };
    frameName.textContent = box.querySelector("title").textContent.split("\n")[0];
    frameChip.hidden = false;
    level.value = "";
    highlight(view, r[0], r[1]);
    apply();
    if (r[1] - r[0] === 1) {
      var only = groups.filter(function (g) { return !g.hidden; })[0];
      if (only) { location.hash = only.id; }
    }
  }

  function clearFrame() {
    frame = null;
    frameChip.hidden = true;
    highlight(null, null, null);
    apply();
  }

  // A link to a group shows it even when the filters would hide it, and marks its stack in the flame graph.
  function reveal() {
    var target = location.hash ? document.getElementById(location.hash.slice(1)) : null;
    if (!target || !target.classList.contains("group")) { return; }
    if (target.hidden) {
      frame = null;
      frameChip.hidden = true;
      level.value = "";
      search.value = "";
      apply();
      target.scrollIntoView();
    }
    if (target.hasAttribute("data-pos")) {
      var pos = Number(target.getAttribute("data-pos"));
      highlight(target.closest("section.view"), pos, pos + 1);
    }
  }

  document.querySelectorAll("svg.flame").forEach(function (svg) {
    svg.addEventListener("click", function (event) {
      var box = event.target.closest("g[data-r]");
      if (box) { chooseFrame(box); }
    });
  });
  document.getElementById("frame-clear").addEventListener("click", clearFrame);
  search.addEventListener("input", apply);
  level.addEventListener("change", apply);
  window.addEventListener("hashchange", reveal);
  apply();
  reveal();
})();
