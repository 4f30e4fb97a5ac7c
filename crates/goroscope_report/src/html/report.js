"use strict";
(function () {
  var search = document.getElementById("search");
  var level = document.getElementById("level");
  var shown = document.getElementById("shown");
  var groups = Array.prototype.slice.call(document.querySelectorAll("article.group"));

  function matches(group, words, wanted) {
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

  // A link to a group shows it even when the filter would hide it.
  function reveal() {
    var target = location.hash ? document.getElementById(location.hash.slice(1)) : null;
    if (target && target.hidden) {
      level.value = "";
      search.value = "";
      apply();
      target.scrollIntoView();
    }
  }

  search.addEventListener("input", apply);
  level.addEventListener("change", apply);
  window.addEventListener("hashchange", reveal);
  apply();
  reveal();
})();
