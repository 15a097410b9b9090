/* The Cite links, enhanced: copy the passage's citation to the clipboard.
   Without JavaScript, or when the clipboard refuses, a Cite link simply opens
   its document's Cite page at the passage, where all its citations stand. */
(function () {
  "use strict";
  var data = document.getElementById("passage-citations");
  if (!data || !navigator.clipboard) { return; }
  var citations = JSON.parse(data.textContent);

  function citationOf(anchor) {
    var passage = citations.passages[anchor];
    if (!passage) { return null; }
    var template = passage.template || citations.template;  // a passage of another document has its own
    return template.replace("{passage}", passage.passage).replace("{url}", passage.url);
  }
  var status = document.createElement("p");
  status.className = "cite-status";
  status.setAttribute("role", "status");
  document.body.appendChild(status);

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.cite-link") : null;
    if (!link) { return; }
    var anchor = decodeURIComponent(link.hash.slice(1));
    var citation = citationOf(anchor);
    if (!citation || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) { return; }
    event.preventDefault();
    navigator.clipboard.writeText(citation).then(function () {
      status.textContent = "";
      var more = document.createElement("a");
      more.href = link.href;
      more.textContent = "all styles";
      status.append("Citation of " + anchor + " copied (Chicago note). See ", more, ".");
    }, function () {
      window.location.href = link.href;  // no clipboard: show the citations instead
    });
  });
}());
