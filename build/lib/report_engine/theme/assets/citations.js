/*
 * Citation tooltips that look like Material's footnote tooltips.
 *
 * Each citation link (a.citation__ref) carries its formatted reference in
 * data-citation-ref. On hover or keyboard focus we build the same markup as
 * Material's content.footnote.tooltips feature (.md-tooltip2 role=dialog with
 * a .md-tooltip2__inner.md-typeset child) and position it with the same CSS
 * custom properties, so Material's own stylesheet draws it: same colours,
 * shadow, tail, fade and dark mode. The tooltip is interactive (a DOI link in
 * it can be clicked), and stays 250 ms after the pointer leaves, as Material's.
 *
 * The title attribute is the no-JavaScript fallback; we drop it so neither the
 * browser nor Material's content.tooltips shows a second, plain tooltip.
 *
 * Events are delegated to the document once; document$ (Material's instant
 * navigation) only re-strips titles and closes a tooltip left from the
 * previous page.
 */
(function () {
  "use strict"

  var SELECTOR = "a.citation__ref[data-citation-ref]"
  var HIDE_DELAY = 250 /* ms, as Material's tooltips */
  var sequence = 0
  var current = null /* { host, node, timer } */

  function stripTitles() {
    var links = document.querySelectorAll(SELECTOR + "[title]")
    for (var i = 0; i < links.length; i++) links[i].removeAttribute("title")
  }

  function render(host) {
    var node = document.createElement("div")
    node.className = "md-tooltip2 md-tooltip2--citation"
    node.setAttribute("role", "dialog")
    node.id = "__citation_tooltip_" + sequence++
    var inner = document.createElement("div")
    inner.className = "md-tooltip2__inner md-typeset"
    var paragraph = document.createElement("p")
    paragraph.innerHTML = host.getAttribute("data-citation-ref")
    inner.appendChild(paragraph)
    node.appendChild(inner)
    return node
  }

  /* Material's mountTooltip2 geometry: below the host, or above it when the
     host sits in the lower half of the viewport. */
  function place(host, node) {
    var rect = host.getBoundingClientRect()
    var y = rect.top >= window.innerHeight / 2
      ? -16 - node.offsetHeight
      : 16 + rect.height
    node.style.setProperty("--md-tooltip-host-x", rect.left + window.scrollX + "px")
    node.style.setProperty("--md-tooltip-host-y", rect.top + window.scrollY + "px")
    node.style.setProperty("--md-tooltip-x", rect.width / 2 + "px")
    node.style.setProperty("--md-tooltip-y", y + "px")
    node.classList.toggle("md-tooltip2--top", y < 0)
    node.classList.toggle("md-tooltip2--bottom", y >= 0)
  }

  function show(host) {
    if (current && current.host === host) return keep()
    hide()
    var node = render(host)
    document.body.appendChild(node)
    place(host, node)
    host.setAttribute("aria-controls", node.id)
    host.setAttribute("aria-haspopup", "dialog")
    node.addEventListener("mouseenter", keep)
    node.addEventListener("mouseleave", hideLater)
    node.addEventListener("focusout", onFocusOut)
    current = { host: host, node: node, timer: 0 }
    requestAnimationFrame(function () {
      node.classList.add("md-tooltip2--active")
    })
  }

  function keep() {
    if (current) clearTimeout(current.timer)
  }

  function hideLater() {
    if (!current) return
    clearTimeout(current.timer)
    current.timer = setTimeout(hide, HIDE_DELAY)
  }

  function hide() {
    if (!current) return
    var closing = current
    current = null
    clearTimeout(closing.timer)
    closing.host.removeAttribute("aria-controls")
    closing.host.removeAttribute("aria-haspopup")
    closing.node.classList.remove("md-tooltip2--active")
    setTimeout(function () {
      closing.node.remove()
    }, HIDE_DELAY) /* let the fade-out run */
  }

  function hostOf(target) {
    return target instanceof Element ? target.closest(SELECTOR) : null
  }

  function inside(target, element) {
    return target instanceof Node && element.contains(target)
  }

  function onFocusOut(event) {
    if (!current) return
    var next = event.relatedTarget
    if (!inside(next, current.host) && !inside(next, current.node)) hideLater()
  }

  document.addEventListener("mouseover", function (event) {
    var host = hostOf(event.target)
    if (host) show(host)
  })
  document.addEventListener("mouseout", function (event) {
    var host = hostOf(event.target)
    if (host && !inside(event.relatedTarget, host)) hideLater()
  })
  document.addEventListener("focusin", function (event) {
    var host = hostOf(event.target)
    if (host) show(host)
  })
  document.addEventListener("focusout", function (event) {
    if (hostOf(event.target)) onFocusOut(event)
  })
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !current) return
    var host = current.host
    hide()
    host.focus()
  })
  /* Keep the tooltip on its host when a table or code block scrolls sideways */
  window.addEventListener("scroll", function () {
    if (current) place(current.host, current.node)
  }, { capture: true, passive: true })
  window.addEventListener("resize", function () {
    if (current) place(current.host, current.node)
  })

  /* Strip titles now, before Material mounts its own title tooltips on
     DOMContentLoaded, and again for every page of instant navigation. */
  stripTitles()
  function onPage() {
    hide()
    stripTitles()
  }
  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(onPage)
  } else {
    document.addEventListener("DOMContentLoaded", onPage)
  }
})()
