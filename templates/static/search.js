/* The search page: results as you type, from the index that Pagefind built with the site
   (pagefind/, loaded on the first use of the field, never on another page). Without JavaScript
   the page says that searching needs it and links to the documents, names and notes instead;
   opened from a file, where the browser lets no page read the index, it says that. */
(function () {
  "use strict";
  var box = document.getElementById("search");
  var unavailable = document.getElementById("search-unavailable");
  if (!box || !unavailable) { return; }
  if (location.protocol === "file:") {
    unavailable.hidden = false;
    return;
  }
  var form = document.getElementById("search-form");
  var field = document.getElementById("search-q");
  var selects = Array.prototype.slice.call(form.querySelectorAll("select"));
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var more = document.getElementById("search-more");
  var PAGE = 10;       // results shown at a time
  var WORDS = 30;      // words of a passage shown around what matched
  var DELAY = 250;     // ms after the last key before searching
  var loading = null;  // Pagefind, once asked for
  var asked = 0;       // the latest search: an older one that ends later is dropped
  var found = [];      // the results of the latest search
  var shown = 0;
  var timer = null;

  // The page's address carries the search, so that it can be bookmarked or shared.
  var params = new URLSearchParams(location.search);
  field.value = params.get("q") || "";
  selects.forEach(function (select) {
    var wanted = params.get(select.name) || "";
    var known = Array.prototype.some.call(select.options, function (o) { return o.value === wanted; });
    select.value = known ? wanted : "";
  });
  box.hidden = false;

  function pagefind() {
    if (!loading) {
      var weights = {};  // metadata counts for nothing: a passage is found by its own words
      box.getAttribute("data-meta-fields").split(" ").forEach(function (name) { weights[name] = 0; });
      loading = import(new URL(box.getAttribute("data-index"), document.baseURI).href).then(function (index) {
        // a large edition's index is in shards, one a range of documents: merged into the first
        var shards = (box.getAttribute("data-merge") || "").split(" ").filter(Boolean);
        return index.options({noWorker: true, ranking: {metaWeights: weights}})
          .then(function () {
            return Promise.all(shards.map(function (shard) {
              return index.mergeIndex(new URL(shard, document.baseURI).href);
            }));
          })
          .then(function () { return index.init(); })
          .then(function () { return index; });
      });
      loading.catch(function () {
        box.hidden = true;
        document.getElementById("search-unavailable-reason").textContent =
          "The search index could not be loaded, so searching does not work here now.";
        unavailable.hidden = false;
      });
    }
    return loading;
  }

  function remember() {
    var query = new URLSearchParams();
    if (field.value.trim()) { query.set("q", field.value.trim()); }
    selects.forEach(function (select) { if (select.value) { query.set(select.name, select.value); } });
    var search = query.toString();
    history.replaceState(null, "", location.pathname + (search ? "?" + search : ""));
  }

  function search() {
    clearTimeout(timer);
    remember();
    var words = field.value.trim();
    var mine = ++asked;
    if (!words) {
      found = [];
      shown = 0;
      list.replaceChildren();
      more.hidden = true;
      status.textContent = "";
      return;
    }
    var filters = {};
    selects.forEach(function (select) { if (select.value) { filters[select.name] = select.value; } });
    pagefind().then(function (index) {
      return index.search(words, {filters: filters});
    }).then(function (answer) {
      if (mine !== asked || !answer) { return; }
      // With metadata weighed at nothing, a passage that matched by its metadata alone scores 0.
      found = answer.results.filter(function (result) { return result.score > 0; });
      shown = 0;
      list.replaceChildren();
      return showMore(mine).then(function () {
        if (mine !== asked) { return; }
        var narrowed = Object.keys(filters).length ? ", with the choices made under “Only in”" : "";
        status.textContent = (found.length === 0 ? "No passage contains " :
          found.length + (found.length === 1 ? " passage contains " : " passages contain ")) +
          "“" + words + "”" + narrowed + "." +
          (found.length > shown ? " The first " + shown + " are listed." : "");
      });
    }).catch(function () { /* the page says that the index could not be loaded */ });
  }

  function showMore(mine) {
    var next = found.slice(shown, shown + PAGE);
    return Promise.all(next.map(function (result) { return result.data(); })).then(function (passages) {
      if (mine !== asked) { return; }
      passages.forEach(function (passage) { list.appendChild(item(passage)); });
      shown += passages.length;
      more.hidden = shown >= found.length;
    });
  }

  function element(name, className, text) {
    var e = document.createElement(name);
    if (className) { e.className = className; }
    if (text) { e.textContent = text; }
    return e;
  }

  // A result: its link (document, kind, anchor), the words around what matched, with those words
  // marked, and where the passage stands: its title and date, the address to cite, its Cite link.
  function item(passage) {
    var meta = passage.meta;
    var li = element("li", "search-result");
    var heading = element("p", "search-result-link");
    var link = element("a", "", meta.label);
    link.href = passage.raw_url;
    heading.appendChild(link);
    li.appendChild(heading);
    li.appendChild(excerpt(passage.content, passage.locations));
    var where = element("p", "search-result-where",
      meta.title + (meta.date && meta.title.indexOf(meta.date) < 0 ? ", " + meta.date : "") + ". ");
    where.appendChild(element("code", "", passage.raw_url));
    if (meta.cite) {
      where.appendChild(document.createTextNode(" "));
      var cite = element("a", "", "Cite");
      cite.href = meta.cite;
      cite.appendChild(element("span", "visually-hidden", " this passage: " + meta.anchor));
      where.appendChild(cite);
    }
    li.appendChild(where);
    return li;
  }

  // Pagefind counts a passage's words as its text split at white space: mark those it matched,
  // within the stretch of WORDS words that holds most of them.
  function excerpt(content, locations) {
    var words = content.split(/\s+/);
    var start = 0, best = -1;
    locations.forEach(function (at) {
      var from = Math.max(0, Math.min(at - 5, words.length - WORDS));
      var count = locations.filter(function (l) { return l >= from && l < from + WORDS; }).length;
      if (count > best) { best = count; start = from; }
    });
    var end = Math.min(words.length, start + WORDS);
    var marked = {};
    locations.forEach(function (at) { marked[at] = true; });
    var p = element("p", "search-excerpt");
    var plain = start > 0 ? "… " : "";
    for (var i = start; i < end; i++) {
      if (marked[i]) {  // the word marked, the punctuation around it not
        var parts = /^([^\p{L}\p{N}]*)(.*?)([^\p{L}\p{N}]*)$/u.exec(words[i]);
        p.appendChild(document.createTextNode(plain + parts[1]));
        p.appendChild(element("mark", "", parts[2] || words[i]));
        plain = parts[3] + " ";
      } else {
        plain += words[i] + " ";
      }
    }
    p.appendChild(document.createTextNode(plain.replace(/ $/, "") + (end < words.length ? " …" : "")));
    return p;
  }

  field.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, DELAY);
  });
  field.addEventListener("focus", function () { pagefind().catch(function () {}); }, {once: true});
  selects.forEach(function (select) { select.addEventListener("change", search); });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    search();
  });
  more.addEventListener("click", function () {
    var first = list.children.length;
    showMore(asked).then(function () {
      var link = list.children[first] && list.children[first].querySelector("a");
      if (link) { link.focus(); }  // the first of the new results, for a keyboard
      status.textContent = status.textContent.replace(/ The first \d+ are listed\.$/, "") +
        (found.length > shown ? " The first " + shown + " are listed." : "");
    });
  });
  if (field.value.trim()) { search(); }
}());
