// Behaviour shared by every page, kept out of the HTML so the Content-Security-Policy can
// forbid inline scripts.
(function () {
  "use strict";
  // Every HTMX request carries the CSRF token of the page (meta csrf-token in base.html).
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) {
      event.detail.headers["X-CSRFToken"] = meta.getAttribute("content");
    }
  });
  // <form data-confirm="Eliminare…?">: ask before submitting an irreversible action.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  }, true);

  // «Espandi tutto» / «Comprimi tutto» over a tree of <details class="plan-branch"> (the plan).
  // Without JavaScript the buttons stay hidden and each branch opens on its own.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-tree-open], [data-tree-close]");
    if (!button) {
      return;
    }
    var box = button.closest("[data-tree-toggles]");
    var tree = box && document.getElementById(box.getAttribute("data-target"));
    if (!tree) {
      return;
    }
    var open = button.hasAttribute("data-tree-open");
    Array.prototype.forEach.call(tree.querySelectorAll("details.plan-branch"), function (branch) {
      branch.open = open;
    });
  });

  // A long <select> (22 responsabili, 40 unità) gets a search box above it: typing keeps only
  // the options whose text has every word typed (accents and case aside); the chosen option and
  // the empty one («Tutti») always stay. Selects marked data-searchable, or with many options.
  var MANY_OPTIONS = 15;

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function enhanceSelect(select) {
    if (select.hasAttribute("data-search-ready") || select.querySelector("optgroup")) {
      return;
    }
    if (!select.hasAttribute("data-searchable") && select.options.length < MANY_OPTIONS) {
      return;
    }
    select.setAttribute("data-search-ready", "");
    var options = Array.prototype.slice.call(select.options);
    var label = select.id && document.querySelector('label[for="' + select.id + '"]');
    var name = label ? label.textContent.replace(/\s+/g, " ").replace("*", "").trim() : "elenco";
    var input = document.createElement("input");
    input.type = "search";
    input.className = "form-control form-control-sm mb-1 select-search";
    input.placeholder = "Cerca…";
    input.autocomplete = "off";
    input.setAttribute("aria-label", "Cerca in «" + name + "»");
    if (select.id) {
      input.id = select.id + "-cerca";
      input.setAttribute("aria-controls", select.id);
    }
    var status = document.createElement("span");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    select.parentNode.insertBefore(input, select);
    select.parentNode.insertBefore(status, select.nextSibling);
    // The box is no filter of the form: its events must not reach the form (HTMX listens).
    ["change", "keyup", "keydown"].forEach(function (kind) {
      input.addEventListener(kind, function (event) {
        event.stopPropagation();
        if (kind === "keydown" && event.key === "Enter") {
          event.preventDefault();
        }
      });
    });
    var remote = select.getAttribute("data-options-url");
    if (remote) {
      searchRemotely(select, input, status, options, remote);
      return;
    }
    input.addEventListener("input", function (event) {
      event.stopPropagation();
      var words = fold(input.value).split(/\s+/).filter(Boolean);
      // Read the choice before moving any option: taking the chosen one out of the select
      // makes the browser choose the next, and so on down the list.
      var chosen = options.filter(function (option) { return option.selected; });
      var kept = document.createDocumentFragment();
      var shown = 0;
      options.forEach(function (option) {
        var text = fold(option.textContent);
        var match = words.every(function (word) { return text.indexOf(word) !== -1; });
        if (match || chosen.indexOf(option) !== -1 || option.value === "") {
          kept.appendChild(option);
          shown += option.value === "" ? 0 : 1;
        }
      });
      while (select.firstChild) {
        select.removeChild(select.firstChild);
      }
      select.appendChild(kept);
      options.forEach(function (option) { option.selected = chosen.indexOf(option) !== -1; });
      status.textContent = shown === 1 ? "1 voce nell'elenco" : shown + " voci nell'elenco";
    });
  }

  // A select with data-options-url lists only some choices (a metropolitan ente has 325
  // units): typing asks that address for the matches, a JSON {options: [{value, label}], more},
  // and they replace the listed ones; the chosen option and the empty one always stay, and an
  // empty box brings back the options of the page.
  function searchRemotely(select, input, status, initial, url) {
    var timer = null;
    var asked = 0;
    function show(found, more) {
      var chosen = Array.prototype.filter.call(select.options, function (option) {
        return option.selected && option.value !== "";
      });
      var values = chosen.map(function (option) { return option.value; });
      var kept = document.createDocumentFragment();
      initial.filter(function (option) { return option.value === ""; }).forEach(function (option) {
        kept.appendChild(option);
      });
      chosen.forEach(function (option) { kept.appendChild(option); });
      found.forEach(function (option) {
        if (values.indexOf(option.value) === -1) {
          kept.appendChild(option);
        }
      });
      while (select.firstChild) {
        select.removeChild(select.firstChild);
      }
      select.appendChild(kept);
      chosen.forEach(function (option) { option.selected = true; });
      var shown = found.length;
      status.textContent = (shown === 1 ? "1 voce trovata" : shown + " voci trovate") +
        (more ? ": le prime " + shown + ", scrivi di più per restringere" : "");
    }
    function ask() {
      var text = input.value.trim();
      if (!text) {
        show(initial.filter(function (option) { return option.value !== ""; }), false);
        return;
      }
      var mine = ++asked;
      var address = url + (url.indexOf("?") === -1 ? "?" : "&") + "q=" + encodeURIComponent(text);
      fetch(address, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          return response.json();
        })
        .then(function (data) {
          if (mine !== asked) {
            return;  // a later search has been asked meanwhile
          }
          show(data.options.map(function (item) {
            return new Option(item.label, String(item.value));
          }), data.more);
        })
        .catch(function () {
          if (mine === asked) {
            status.textContent = "Ricerca non riuscita: riprova.";
          }
        });
    }
    input.addEventListener("input", function (event) {
      event.stopPropagation();
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, 250);
    });
  }

  function enhance(root) {
    Array.prototype.forEach.call(root.querySelectorAll("select"), enhanceSelect);
    Array.prototype.forEach.call(root.querySelectorAll("[data-tree-toggles][hidden]"), function (box) {
      box.hidden = false;
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  } else {
    enhance(document);
  }
  document.addEventListener("htmx:load", function (event) { enhance(event.detail.elt); });
}());
