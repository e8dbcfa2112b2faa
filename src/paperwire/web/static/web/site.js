// Maths in titles and abstracts: KaTeX, served from this site. Runs on load and after every
// htmx swap (live search results, vote buttons).
(function () {
  "use strict";
  var delimiters = [
    { left: "$$", right: "$$", display: true },
    { left: "\\[", right: "\\]", display: true },
    { left: "$", right: "$", display: false },
    { left: "\\(", right: "\\)", display: false },
  ];
  function typeset(root) {
    if (typeof window.renderMathInElement !== "function") return;
    if (!root.querySelectorAll) return;
    var nodes = root.matches && root.matches(".math") ? [root] : root.querySelectorAll(".math");
    for (var i = 0; i < nodes.length; i++) {
      window.renderMathInElement(nodes[i], { delimiters: delimiters, throwOnError: false, trust: false });
    }
  }
  document.addEventListener("DOMContentLoaded", function () { typeset(document); });
  document.addEventListener("htmx:afterSwap", function (event) { typeset(event.target); });
})();
