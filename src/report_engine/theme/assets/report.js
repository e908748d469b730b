/*
 * Accessible names for what Material builds in the browser.
 *
 * The edition selector (drawn from mike's versions.json) is a button named
 * "Select version" whose visible text is the edition's title: someone using
 * speech input says what they see and nothing answers (WCAG 2.5.3, label in
 * name). Its name becomes the visible text followed by what the button does.
 * The selector is added after the page loads and again after each instant
 * navigation, so a MutationObserver names each one as it appears.
 */
(function () {
  "use strict"

  function nameEditionSelectors() {
    var buttons = document.querySelectorAll(".md-version__current")
    for (var i = 0; i < buttons.length; i++) {
      // The edition's title and its alias ("latest") are adjacent, with no space between: one is put
      // there, so that the name and the visible text read "May to June 2026 latest".
      var alias = buttons[i].querySelector(".md-version__alias")
      var before = alias && alias.previousSibling
      if (before && before.nodeType === 3 && !/\s$/.test(before.textContent)) before.textContent += " "
      var visible = buttons[i].textContent.replace(/\s+/g, " ").trim()
      var name = visible + ", choose an edition"
      if (visible && buttons[i].getAttribute("aria-label") !== name) buttons[i].setAttribute("aria-label", name)
    }
  }

  /*
   * A table wider than its column scrolls inside it (Material's tables are scroll boxes), and so
   * does a drawing on a phone (report.css): a reader without a pointer must be able to reach it to
   * scroll it (WCAG 2.1.1; axe-core's scrollable-region-focusable). Such a box is made focusable;
   * one that fits again is left alone.
   */
  function focusableScrollingTables() {
    var tables = document.querySelectorAll(".md-typeset table, .md-typeset figure > p")
    for (var i = 0; i < tables.length; i++) {
      var table = tables[i], scrolls = table.scrollWidth > table.clientWidth + 1
      if (scrolls && !table.hasAttribute("tabindex")) {
        table.setAttribute("tabindex", "0")
        table.setAttribute("data-report-scrolls", "")
      } else if (!scrolls && table.hasAttribute("data-report-scrolls")) {
        table.removeAttribute("tabindex")
        table.removeAttribute("data-report-scrolls")
      }
    }
  }

  function update() {
    nameEditionSelectors()
    focusableScrollingTables()
  }

  new MutationObserver(nameEditionSelectors).observe(document.documentElement, { childList: true, subtree: true })
  window.addEventListener("resize", focusableScrollingTables)
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", update)
  else update()
  if (window.document$) window.document$.subscribe(update)       // Material's instant navigation
})()
