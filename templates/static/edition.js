/* Name pop-ups: an enhancement. Without this script every name is a plain link to
   its entry on names.html; with it, hovering or focusing a name also shows the
   entry's short identification. The pop-up stays while the pointer is over it,
   and Escape dismisses it (WCAG 1.4.13). */
(function () {
  "use strict";
  var data = document.getElementById("name-data");
  if (!data || !("querySelectorAll" in document)) return;
  var entries = JSON.parse(data.textContent);
  var tip = document.createElement("div");
  tip.id = "name-tip";
  tip.className = "name-tip";
  tip.setAttribute("role", "tooltip");
  tip.hidden = true;
  document.body.appendChild(tip);
  var current = null, hideTimer = null;

  function entryOf(link) {
    var hash = link.getAttribute("href").split("#")[1];
    return entries[hash];
  }
  function show(link) {
    var entry = entryOf(link);
    if (!entry) return;
    clearTimeout(hideTimer);
    current = link;
    tip.textContent = "";
    var name = document.createElement("strong");
    name.textContent = entry.name;
    tip.appendChild(name);
    tip.appendChild(document.createTextNode(" " + entry.text));
    tip.hidden = false;
    var box = link.getBoundingClientRect();
    var top = window.scrollY + box.bottom + 6;
    var left = Math.max(8, Math.min(window.scrollX + box.left, window.scrollX + document.documentElement.clientWidth - tip.offsetWidth - 8));
    tip.style.top = top + "px";
    tip.style.left = left + "px";
    link.setAttribute("aria-describedby", "name-tip");
  }
  function hide() {
    if (current) current.removeAttribute("aria-describedby");
    current = null;
    tip.hidden = true;
  }
  function hideSoon() {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(hide, 300);
  }
  Array.prototype.forEach.call(document.querySelectorAll("a.name"), function (link) {
    link.addEventListener("mouseenter", function () { show(link); });
    link.addEventListener("mouseleave", hideSoon);
    link.addEventListener("focus", function () { show(link); });
    link.addEventListener("blur", hideSoon);
  });
  tip.addEventListener("mouseenter", function () { clearTimeout(hideTimer); });
  tip.addEventListener("mouseleave", hideSoon);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !tip.hidden) hide();
  });
})();
