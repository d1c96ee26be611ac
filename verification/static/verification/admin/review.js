/* The review page: keyboard shortcuts (A approve and next, R reason to reject, N next
   document, + and - zoom) and zoom buttons for the page images. No inline script: the
   portal's CSP allows scripts from its own origin only. */
(function () {
  "use strict";

  var ZOOM_STEPS = [50, 75, 100, 125, 150, 200, 300];

  function typingIn(target) {
    if (!target) { return false; }
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  function setupZoom(root) {
    var pages = root.querySelector("[data-pages]");
    if (!pages) { return null; }
    var level = root.querySelector("[data-zoom-level]");
    var index = ZOOM_STEPS.indexOf(100);
    function apply() {
      var percent = ZOOM_STEPS[index];
      pages.style.width = percent + "%";
      pages.classList.toggle("review__pages--zoomed", percent > 100);
      if (level) { level.textContent = percent + "%"; }
    }
    function zoom(direction) {
      if (direction === "in") { index = Math.min(index + 1, ZOOM_STEPS.length - 1); }
      else if (direction === "out") { index = Math.max(index - 1, 0); }
      else { index = ZOOM_STEPS.indexOf(100); }
      apply();
    }
    root.querySelectorAll("[data-zoom]").forEach(function (button) {
      button.addEventListener("click", function () { zoom(button.getAttribute("data-zoom")); });
    });
    return zoom;
  }

  function setup() {
    var root = document.querySelector(".review");
    if (!root) { return; }
    var zoom = setupZoom(root);
    document.addEventListener("keydown", function (event) {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) { return; }
      if (typingIn(event.target)) { return; }
      var key = event.key;
      var approve = root.querySelector("[data-shortcut='approve']");
      var next = root.querySelector("[data-shortcut='next']");
      var reason = root.querySelector("textarea[name='reason']");
      if ((key === "a" || key === "A") && approve) {
        event.preventDefault();
        approve.click();
      } else if ((key === "r" || key === "R") && reason) {
        event.preventDefault();
        reason.focus();
      } else if ((key === "n" || key === "N") && next) {
        event.preventDefault();
        window.location.assign(next.getAttribute("href"));
      } else if ((key === "+" || key === "=") && zoom) {
        event.preventDefault();
        zoom("in");
      } else if ((key === "-" || key === "_") && zoom) {
        event.preventDefault();
        zoom("out");
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
}());
