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
      var visible = buttons[i].textContent.replace(/\s+/g, " ").trim()
      var name = visible + ", choose an edition"
      if (visible && buttons[i].getAttribute("aria-label") !== name) buttons[i].setAttribute("aria-label", name)
    }
  }

  new MutationObserver(nameEditionSelectors).observe(document.documentElement, { childList: true, subtree: true })
  nameEditionSelectors()
})()
